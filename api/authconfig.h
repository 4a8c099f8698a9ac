/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Docker's AuthConfig on the wire, decoded in one place: the X-Registry-Auth
 * header (base64url JSON AuthConfig) of pull and push, the X-Registry-Config
 * header (base64url JSON map server address → AuthConfig) of build, and the
 * body of POST /auth. Each becomes the engine's plain registry_creds: the
 * `auth` field (base64 "user:pass") is split into username and password
 * here, `email` is checked and dropped. Nothing below the api parses these
 * forms.
 *
 * Input is hostile: the header is bounded (LIMIT_REGISTRY_AUTH), fields are
 * type-checked, values that will be sent back in a header are refused when
 * they hold control characters (header injection), and secrets are wiped
 * from every intermediate buffer. No secret ever appears in a message.
 */
#pragma once

#include <jansson.h>

#include "engine/registry/registry_creds.h"
#include "engine/util/err.h"

struct api_request;

/*
 * Decodes one AuthConfig object @obj. @what names the source in messages
 * ("X-Registry-Auth"); NULL means a request body, whose wrong types read
 * like every other body field's ("json: cannot unmarshal number into field
 * username of type string"). Fields absent, null or "" are unset; `auth` is
 * split when username and password are both unset. *@ret is NULL when
 * neither a secret nor a serveraddress was sent.
 * -EINVAL for a field that is not a string, holds control characters, or an
 * `auth` that is not base64 "user:password". The string values of @obj are
 * wiped (it must not be used afterwards). Free *@ret with registry_creds_free.
 */
int authconfig_from_json(json_t *obj, const char *what, struct registry_creds **ret,
			 struct err *e);

/*
 * Decodes an X-Registry-Auth value. NULL, "" and "e30=" ("{}") yield
 * *@ret = NULL (anonymous) and 0. Standard and URL-safe base64 are
 * accepted, padded or not. -EINVAL (bad base64, not a JSON object, as
 * authconfig_from_json) or -E2BIG (longer than LIMIT_REGISTRY_AUTH).
 */
int authconfig_decode(const char *header, struct registry_creds **ret, struct err *e);

/*
 * The X-Registry-Auth header of @r for pull and push: an invalid value
 * gives NULL (anonymous), as dockerd does.
 */
struct registry_creds *authconfig_of_request(struct api_request *r);

/*
 * Decodes an X-Registry-Config value into @ret (initialised empty by the
 * caller, released with registry_creds_set_release). Like dockerd, a value
 * that is not base64 of a JSON object means no credentials, not an error.
 * A malformed entry is kept with its message and fails the build only
 * when a pull needs that registry's credentials (registry_creds_select).
 */
void authconfig_decode_config(const char *header, struct registry_creds_set *ret);
