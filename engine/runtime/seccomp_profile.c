/* SPDX-License-Identifier: Apache-2.0 */
/* Docker seccomp profiles; see seccomp_profile.h. */
#include "config.h"

#include <errno.h>
#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/utsname.h>

#include "engine/runtime/seccomp_profile.h"
#include "engine/util/cleanup.h"
#include "engine/util/jsonget.h"
#include "engine/util/limits.h"
#include "engine/util/strv.h"
#include "engine/util/xalloc.h"

#define BAD "Decoding seccomp profile failed: "

static const struct {
	const char *name;
	enum scmp_compare op;
} ops[] = {
	{"SCMP_CMP_NE", SCMP_CMP_NE},
	{"SCMP_CMP_LT", SCMP_CMP_LT},
	{"SCMP_CMP_LE", SCMP_CMP_LE},
	{"SCMP_CMP_EQ", SCMP_CMP_EQ},
	{"SCMP_CMP_GE", SCMP_CMP_GE},
	{"SCMP_CMP_GT", SCMP_CMP_GT},
	{"SCMP_CMP_MASKED_EQ", SCMP_CMP_MASKED_EQ},
};

/* Go's name for a JSON value's kind, as encoding/json reports it. */

static int
bad_type(struct err *e, json_t *v, const char *field, const char *type)
{
	return err_set(e, -EINVAL,
		       BAD "json: cannot unmarshal %s into Go struct field %s of type %s",
		       jsonget_kind(v), field, type);
}

/* Optional string member: absent/null leaves *ret NULL. */
static int
get_str(json_t *o, const char *key, const char *field, const char **ret, struct err *e)
{
	json_t *v = json_object_get(o, key);

	*ret = NULL;
	if (!v || json_is_null(v))
		return 0;
	if (!json_is_string(v))
		return bad_type(e, v, field, "string");
	*ret = json_string_value(v);
	return 0;
}

/* Optional non-negative integer member (Go uint/uint64). */
static int
get_uint(json_t *o, const char *key, const char *field, uint64_t max, bool *ret_set, uint64_t *ret,
	 struct err *e)
{
	json_t *v = json_object_get(o, key);

	*ret_set = false;
	if (!v || json_is_null(v))
		return 0;
	if (!json_is_integer(v))
		return bad_type(e, v, field, "uint");
	/* jansson holds integers as int64: a value past INT64_MAX fails to load */
	if (json_integer_value(v) < 0 || (uint64_t)json_integer_value(v) > max)
		return err_set(e, -EINVAL,
			       BAD "json: cannot unmarshal number %lld into Go struct field %s of "
				   "type uint",
			       (long long)json_integer_value(v), field);
	*ret = (uint64_t)json_integer_value(v);
	*ret_set = true;
	return 0;
}

/* Optional array of strings; each checked by the caller. */
static int
get_strs(json_t *o, const char *key, const char *field, size_t limit, json_t **ret, struct err *e)
{
	json_t *v = json_object_get(o, key), *it;
	size_t i;

	*ret = NULL;
	if (!v || json_is_null(v))
		return 0;
	if (!json_is_array(v))
		return bad_type(e, v, field, "[]string");
	if (json_array_size(v) > limit)
		return err_set(e, -E2BIG, BAD "too many entries in '%s' (limit %zu)", key, limit);
	json_array_foreach(v, i, it)
		if (!json_is_string(it))
			return bad_type(e, it, field, "string");
	*ret = v;
	return 0;
}

static int
parse_action(const char *s, uint64_t errno_ret, bool has_errno, uint32_t *ret, struct err *e)
{
	uint32_t code = has_errno ? (uint32_t)errno_ret : EPERM;

	if (!s)
		return err_set(e, -EINVAL, "string  is not a valid action for seccomp");
	if (strcmp(s, "SCMP_ACT_KILL") == 0 || strcmp(s, "SCMP_ACT_KILL_THREAD") == 0)
		*ret = SCMP_ACT_KILL_THREAD;
	else if (strcmp(s, "SCMP_ACT_KILL_PROCESS") == 0)
		*ret = SCMP_ACT_KILL_PROCESS;
	else if (strcmp(s, "SCMP_ACT_TRAP") == 0)
		*ret = SCMP_ACT_TRAP;
	else if (strcmp(s, "SCMP_ACT_ERRNO") == 0)
		*ret = SCMP_ACT_ERRNO(code);
	else if (strcmp(s, "SCMP_ACT_TRACE") == 0)
		*ret = SCMP_ACT_TRACE(code);
	else if (strcmp(s, "SCMP_ACT_ALLOW") == 0)
		*ret = SCMP_ACT_ALLOW;
	else if (strcmp(s, "SCMP_ACT_LOG") == 0)
		*ret = SCMP_ACT_LOG;
	else if (strcmp(s, "SCMP_ACT_NOTIFY") == 0)
		/* needs a listener socket (OCI listenerPath), which berth does not offer */
		return err_set(e, -EINVAL, "SCMP_ACT_NOTIFY is not supported by berth's seccomp");
	else
		return err_set(e, -EINVAL, "string %s is not a valid action for seccomp", s);
	return 0;
}

/* "SCMP_ARCH_X86_64" → libseccomp's token; 0 when unknown. */
static uint32_t
arch_token(const char *name)
{
	char low[32];
	size_t i;

	if (strncmp(name, "SCMP_ARCH_", 10) != 0 || strlen(name + 10) >= sizeof(low))
		return 0;
	for (i = 0; name[10 + i]; i++)
		low[i] = (char)(name[10 + i] >= 'A' && name[10 + i] <= 'Z' ? name[10 + i] + 32
									   : name[10 + i]);
	low[i] = '\0';
	return seccomp_arch_resolve_name(low);
}

static int
add_arch(struct seccomp_profile *p, const char *name, struct err *e)
{
	uint32_t a = arch_token(name);

	if (!a)
		return err_set(e, -EINVAL, "string %s is not a valid arch for seccomp", name);
	for (size_t i = 0; i < p->n_arches; i++)
		if (p->arches[i] == a)
			return 0;
	if (p->n_arches >= LIMIT_SECCOMP_ARCHES)
		return err_set(e, -E2BIG, BAD "too many architectures");
	p->arches = xrealloc(p->arches, (p->n_arches + 1) * sizeof(*p->arches));
	p->arches[p->n_arches++] = a;
	return 0;
}

/* "architectures", or the "archMap" entries for the native architecture. */
static int
parse_arches(json_t *root, struct seccomp_profile *p, struct err *e)
{
	json_t *list, *map = json_object_get(root, "archMap"), *m, *v;
	uint32_t native = seccomp_arch_native();
	size_t i, k;

	if (get_strs(root, "architectures", "Seccomp.architectures", LIMIT_SECCOMP_ARCHES, &list,
		     e) < 0)
		return e->code;
	if (map && !json_is_null(map) && !json_is_array(map))
		return bad_type(e, map, "Seccomp.archMap", "[]seccomp.Architecture");
	if (json_array_size(list) && json_array_size(map))
		return err_set(e, -EINVAL,
			       "both 'architectures' and 'archMap' are specified in the seccomp "
			       "profile, use either 'architectures' or 'archMap'");
	json_array_foreach(list, i, v)
		if (add_arch(p, json_string_value(v), e) < 0)
			return e->code;
	if (json_array_size(map) > LIMIT_SECCOMP_ARCHES)
		return err_set(e, -E2BIG, BAD "too many entries in 'archMap'");
	json_array_foreach(map, i, m) {
		const char *a;
		json_t *subs;
		if (!json_is_object(m))
			return bad_type(e, m, "Seccomp.archMap", "seccomp.Architecture");
		if (get_str(m, "architecture", "Architecture.architecture", &a, e) < 0 ||
		    get_strs(m, "subArchitectures", "Architecture.subArchitectures",
			     LIMIT_SECCOMP_ARCHES, &subs, e) < 0)
			return e->code;
		if (!a || arch_token(a) != native)
			continue;
		if (add_arch(p, a, e) < 0)
			return e->code;
		json_array_foreach(subs, k, v)
			if (add_arch(p, json_string_value(v), e) < 0)
				return e->code;
	}
	return 0;
}

/* Go's GOARCH for the native architecture, which moby's profiles name. */
static const char *
go_arch(void)
{
	switch (seccomp_arch_native()) {
	case SCMP_ARCH_X86_64: return "amd64";
	case SCMP_ARCH_X86: return "386";
	case SCMP_ARCH_AARCH64: return "arm64";
	case SCMP_ARCH_ARM: return "arm";
	case SCMP_ARCH_PPC64LE: return "ppc64le";
	case SCMP_ARCH_S390X: return "s390x";
	case SCMP_ARCH_RISCV64: return "riscv64";
	default: return "";
	}
}

static bool
caps_have(char *const *caps, const char *cap)
{
	for (size_t i = 0; caps && caps[i]; i++)
		if (strcasecmp(caps[i], cap) == 0)
			return true;
	return false;
}

/* True when the running kernel is at least "major.minor" in @v. */
static int
kernel_at_least(const char *v, bool *ret, struct err *e)
{
	unsigned want_maj, want_min, maj = 0, min = 0;
	struct utsname u;
	char tail;

	if (sscanf(v, "%u.%u%c", &want_maj, &want_min, &tail) != 2)
		return err_set(e, -EINVAL, "invalid kernel version: %s, must be <major>.<minor>",
			       v);
	if (uname(&u) == 0)
		(void)sscanf(u.release, "%u.%u", &maj, &min);
	*ret = maj > want_maj || (maj == want_maj && min >= want_min);
	return 0;
}

/*
 * One "includes" or "excludes" filter: -> 1 when every condition given
 * holds (includes) / any holds (excludes), as moby's setupSeccomp reads
 * them, else 0.
 */
static int
filter_matches(json_t *f, const char *what, char *const *caps, bool include, struct err *e)
{
	json_t *arches, *capv, *v;
	const char *min_kernel;
	size_t i;
	bool ok, here;

	if (!f || json_is_null(f))
		return include ? 1 : 0;
	if (!json_is_object(f))
		return bad_type(e, f, what, "seccomp.Filter");
	if (get_strs(f, "arches", "Filter.arches", 64, &arches, e) < 0 ||
	    get_strs(f, "caps", "Filter.caps", 64, &capv, e) < 0 ||
	    get_str(f, "minKernel", "Filter.minKernel", &min_kernel, e) < 0)
		return e->code;
	/* moby compares with Go's arch name ("amd64"); accept libseccomp's too */
	here = false;
	json_array_foreach(arches, i, v)
		here |= arch_token(json_string_value(v)) == seccomp_arch_native() ||
			strcmp(json_string_value(v), go_arch()) == 0;
	if (json_array_size(arches) && here != include)
		return include ? 0 : 1;
	json_array_foreach(capv, i, v) {
		bool has = caps_have(caps, json_string_value(v));
		if (include && !has)
			return 0;
		if (!include && has)
			return 1;
	}
	if (min_kernel && *min_kernel) {
		if (kernel_at_least(min_kernel, &ok, e) < 0)
			return e->code;
		if (ok != include)
			return include ? 0 : 1;
	}
	return include ? 1 : 0;
}

static int
parse_arg(json_t *a, struct seccomp_profile_arg *ret, struct err *e)
{
	uint64_t index = 0;
	bool set;
	const char *op;

	if (!json_is_object(a))
		return bad_type(e, a, "Syscall.args", "specs.LinuxSeccompArg");
	if (get_uint(a, "index", "LinuxSeccompArg.index", UINT32_MAX, &set, &index, e) < 0 ||
	    get_uint(a, "value", "LinuxSeccompArg.value", UINT64_MAX, &set, &ret->value, e) < 0 ||
	    get_uint(a, "valueTwo", "LinuxSeccompArg.valueTwo", UINT64_MAX, &set, &ret->value_two,
		     e) < 0 ||
	    get_str(a, "op", "LinuxSeccompArg.op", &op, e) < 0)
		return e->code;
	if (index >= LIMIT_SECCOMP_ARGS)
		return err_set(e, -EINVAL, "seccomp: syscall argument index %llu out of range",
			       (unsigned long long)index);
	ret->index = (unsigned)index;
	for (size_t i = 0; op && i < sizeof(ops) / sizeof(ops[0]); i++)
		if (strcmp(op, ops[i].name) == 0) {
			ret->op = ops[i].op;
			return 0;
		}
	return err_set(e, -EINVAL, "string %s is not a valid operator for seccomp", op ? op : "");
}

/* One "syscalls" entry; *ret_used false when its filters leave it out. */
static int
parse_rule(json_t *s, char *const *caps, size_t *n_names, struct seccomp_profile_rule *ret,
	   bool *ret_used, struct err *e)
{
	json_t *names, *args, *v;
	const char *name, *action;
	uint64_t errno_ret = 0;
	bool has_errno;
	size_t i;
	int r;

	*ret_used = false;
	if (!json_is_object(s))
		return bad_type(e, s, "Seccomp.syscalls", "seccomp.Syscall");
	if (get_str(s, "name", "Syscall.name", &name, e) < 0 ||
	    get_strs(s, "names", "Syscall.names", LIMIT_SECCOMP_NAMES, &names, e) < 0 ||
	    get_str(s, "action", "Syscall.action", &action, e) < 0 ||
	    get_uint(s, "errnoRet", "Syscall.errnoRet", 4095, &has_errno, &errno_ret, e) < 0)
		return e->code;
	if (name && *name && json_array_size(names))
		return err_set(e, -EINVAL,
			       "both 'name' and 'names' are specified in the seccomp profile, use "
			       "either 'name' or 'names'");
	args = json_object_get(s, "args");
	if (args && !json_is_null(args) && !json_is_array(args))
		return bad_type(e, args, "Syscall.args", "[]*specs.LinuxSeccompArg");
	if (json_array_size(args) > 64)
		return err_set(e, -E2BIG, BAD "too many args in one syscall entry");
	if ((r = filter_matches(json_object_get(s, "excludes"), "Syscall.excludes", caps, false,
				e)) != 0)
		return r < 0 ? r : 0;
	if ((r = filter_matches(json_object_get(s, "includes"), "Syscall.includes", caps, true,
				e)) <= 0)
		return r;
	if (parse_action(action, errno_ret, has_errno, &ret->action, e) < 0)
		return e->code;
	*n_names += name && *name ? 1 : json_array_size(names);
	if (*n_names > LIMIT_SECCOMP_NAMES)
		return err_set(e, -E2BIG, BAD "more than %u syscall names", LIMIT_SECCOMP_NAMES);
	if (name && *name)
		strv_append(&ret->names, name);
	json_array_foreach(names, i, v)
		strv_append(&ret->names, json_string_value(v));
	ret->args = xcalloc(json_array_size(args) + 1, sizeof(*ret->args));
	json_array_foreach(args, i, v) {
		if (parse_arg(v, &ret->args[i], e) < 0)
			return e->code;
		ret->n_args++;
	}
	*ret_used = true;
	return 0;
}

int
seccomp_profile_parse(const char *text, size_t len, char *const *caps, struct seccomp_profile *ret,
		      struct err *e)
{
	_cleanup_json_ json_t *root = NULL;
	json_t *calls, *s;
	json_error_t jerr;
	const char *dflt;
	uint64_t dflt_errno = 0;
	bool has_errno;
	size_t i, n_names = 0;

	memset(ret, 0, sizeof(*ret));
	if (len > LIMIT_SPEC_BYTES)
		return err_set(e, -E2BIG, BAD "profile larger than %u bytes", LIMIT_SPEC_BYTES);
	root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!root)
		return err_set(e, -EINVAL, BAD "%s", jerr.text);
	if (!json_is_object(root))
		return bad_type(e, root, "Seccomp", "seccomp.Seccomp");
	calls = json_object_get(root, "syscalls");
	if (get_str(root, "defaultAction", "Seccomp.defaultAction", &dflt, e) < 0 ||
	    get_uint(root, "defaultErrnoRet", "Seccomp.defaultErrnoRet", 4095, &has_errno,
		     &dflt_errno, e) < 0)
		return e->code;
	if (calls && !json_is_null(calls) && !json_is_array(calls))
		return bad_type(e, calls, "Seccomp.syscalls", "[]*seccomp.Syscall");
	if (json_array_size(calls) > LIMIT_SECCOMP_RULES)
		return err_set(e, -E2BIG, BAD "more than %u syscall entries", LIMIT_SECCOMP_RULES);
	/* moby: no default action and no syscalls means seccomp off */
	if ((!dflt || !*dflt) && json_array_size(calls) == 0) {
		ret->disabled = true;
		return 0;
	}
	if (parse_action(dflt, dflt_errno, has_errno, &ret->default_action, e) < 0 ||
	    parse_arches(root, ret, e) < 0)
		return e->code;
	ret->rules = xcalloc(json_array_size(calls) + 1, sizeof(*ret->rules));
	json_array_foreach(calls, i, s) {
		bool used;
		struct seccomp_profile_rule *rule = &ret->rules[ret->n_rules];
		int r = parse_rule(s, caps, &n_names, rule, &used, e);
		if (used || r < 0)
			ret->n_rules++; /* counted so that release frees a half-built rule */
		if (r < 0)
			return r;
	}
	return 0;
}

/* runc: comparisons on the same argument are ORed, so each is its own rule. */
static int
add_rule(scmp_filter_ctx ctx, const struct seccomp_profile_rule *rule, int nr)
{
	struct scmp_arg_cmp cmp[LIMIT_SECCOMP_ARGS];
	bool repeat = false, seen[LIMIT_SECCOMP_ARGS] = {false};
	int r;

	if (rule->n_args == 0)
		return seccomp_rule_add(ctx, rule->action, nr, 0);
	for (size_t i = 0; i < rule->n_args; i++) {
		repeat |= seen[rule->args[i].index];
		seen[rule->args[i].index] = true;
	}
	if (!repeat && rule->n_args <= LIMIT_SECCOMP_ARGS) {
		for (size_t i = 0; i < rule->n_args; i++)
			cmp[i] = (struct scmp_arg_cmp){rule->args[i].index, rule->args[i].op,
						       rule->args[i].value,
						       rule->args[i].value_two};
		return seccomp_rule_add_array(ctx, rule->action, nr, (unsigned)rule->n_args, cmp);
	}
	for (size_t i = 0; i < rule->n_args; i++) {
		cmp[0] = (struct scmp_arg_cmp){rule->args[i].index, rule->args[i].op,
					       rule->args[i].value, rule->args[i].value_two};
		if ((r = seccomp_rule_add_array(ctx, rule->action, nr, 1, cmp)) < 0)
			return r;
	}
	return 0;
}

int
seccomp_profile_filter(const struct seccomp_profile *p, scmp_filter_ctx *ret, struct err *e)
{
	scmp_filter_ctx ctx;
	int r;

	*ret = NULL;
	if (p->disabled)
		return 0;
	ctx = seccomp_init(p->default_action);
	if (!ctx)
		return err_set(e, -ENOMEM, "seccomp: cannot create a filter");
	/* no_new_privs is the caller's choice (--security-opt no-new-privileges) */
	(void)seccomp_attr_set(ctx, SCMP_FLTATR_CTL_NNP, 0);
	for (size_t i = 0; i < p->n_arches; i++) {
		r = seccomp_arch_add(ctx, p->arches[i]);
		if (r < 0 && r != -EEXIST) {
			seccomp_release(ctx);
			return err_set(e, r, "seccomp: cannot add architecture: %s", strerror(-r));
		}
	}
	for (size_t i = 0; i < p->n_rules; i++) {
		const struct seccomp_profile_rule *rule = &p->rules[i];
		/* libseccomp refuses a rule whose action is the default one; runc skips it */
		if (rule->action == p->default_action)
			continue;
		for (size_t k = 0; rule->names && rule->names[k]; k++) {
			int nr = seccomp_syscall_resolve_name(rule->names[k]);
			if (nr == __NR_SCMP_ERROR)
				continue; /* unknown to this libseccomp: runc ignores it */
			r = add_rule(ctx, rule, nr);
			if (r < 0) {
				seccomp_release(ctx);
				return err_set(e, -EINVAL, "seccomp: rule for %s: %s",
					       rule->names[k], strerror(-r));
			}
		}
	}
	*ret = ctx;
	return 0;
}

void
seccomp_profile_release(struct seccomp_profile *p)
{
	if (!p)
		return;
	for (size_t i = 0; i < p->n_rules; i++) {
		strv_free(p->rules[i].names);
		free(p->rules[i].args);
	}
	free(p->rules);
	free(p->arches);
	memset(p, 0, sizeof(*p));
}
