#include "config.h"
#include <errno.h>
#include "engine/image/image.h"
int image_save(struct engine *eng, const char *const *names, size_t n_names, image_write_fn write, void *write_ctx, struct err *e) { (void)eng; (void)names; (void)n_names; (void)write; (void)write_ctx; return err_set(e, -ENOTSUP, "no"); }
int image_load(struct engine *eng, int in_fd, bool quiet, image_progress_fn progress, void *progress_ctx, struct err *e) { (void)eng; (void)in_fd; (void)quiet; (void)progress; (void)progress_ctx; return err_set(e, -ENOTSUP, "no"); }
int image_import(struct engine *eng, int in_fd, const struct image_import_opts *o, char ret_id[DIGEST_STR_LEN + 1], struct err *e) { (void)eng; (void)in_fd; (void)o; (void)ret_id; return err_set(e, -ENOTSUP, "no"); }
