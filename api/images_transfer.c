#include "config.h"
#include "api/images.h"
void api_images_save(struct api_request *r) { api_reply_errorf(r, 501, "no"); }
void api_images_save_one(struct api_request *r) { api_reply_errorf(r, 501, "no"); }
void api_images_load(struct api_request *r) { api_reply_errorf(r, 501, "no"); }
