/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include <criterion/criterion.h>
#include <errno.h>
#include <stdlib.h>

#include "engine/registry/registry_endpoint.h"

Test(registry_endpoint, loopback_is_insecure)
{
	cr_expect(registry_endpoint_is_insecure("127.0.0.1:5000", NULL));
	cr_expect(registry_endpoint_is_insecure("127.9.8.7", NULL));
	cr_expect(registry_endpoint_is_insecure("localhost:5000", NULL));
	cr_expect(registry_endpoint_is_insecure("[::1]:5000", NULL));
	cr_expect_not(registry_endpoint_is_insecure("128.0.0.1:5000", NULL));
	cr_expect_not(registry_endpoint_is_insecure("registry-1.docker.io", NULL));
}

Test(registry_endpoint, configured_entries)
{
	const char *const ins[] = {"myreg.example:5000", "10.1.0.0/16", "plain.example", "fd00::/8", NULL};

	cr_expect(registry_endpoint_is_insecure("myreg.example:5000", ins));
	cr_expect_not(registry_endpoint_is_insecure("myreg.example:443", ins));
	cr_expect(registry_endpoint_is_insecure("plain.example:8443", ins));
	cr_expect(registry_endpoint_is_insecure("10.1.200.3:5000", ins));
	cr_expect_not(registry_endpoint_is_insecure("10.2.0.1", ins));
	cr_expect(registry_endpoint_is_insecure("[fd12::1]:5000", ins));
	/* No DNS: a name never matches a CIDR. */
	cr_expect_not(registry_endpoint_is_insecure("ten.example", ins));
}

Test(registry_endpoint, api_host_and_list)
{
	struct registry_endpoint eps[REGISTRY_ENDPOINTS_MAX];
	const char *const mirrors[] = {"https://mirror.example/", "ftp://bad", NULL};
	struct err e = ERR_INIT;
	char *h = NULL;
	int n;

	cr_assert_eq(registry_endpoint_api_host("docker.io", &h, &e), 0);
	cr_expect_str_eq(h, "registry-1.docker.io");
	free(h);
	cr_expect_lt(registry_endpoint_api_host("bad host", &h, &e), 0);
	cr_expect_lt(registry_endpoint_api_host("a:99999", &h, &e), 0);
	cr_expect_lt(registry_endpoint_api_host("a/b", &h, &e), 0);

	n = registry_endpoint_list("docker.io", NULL, mirrors, eps, &e);
	cr_assert_eq(n, 2);
	cr_expect_str_eq(eps[0].base, "https://mirror.example");
	cr_expect(eps[0].mirror);
	cr_expect_str_eq(eps[1].base, "https://registry-1.docker.io");
	cr_expect(eps[1].tls_verify);
	registry_endpoint_release_all(eps, (size_t)n);

	n = registry_endpoint_list("127.0.0.1:5000", NULL, mirrors, eps, &e);
	cr_assert_eq(n, 2);
	cr_expect_str_eq(eps[0].base, "https://127.0.0.1:5000");
	cr_expect_not(eps[0].tls_verify);
	cr_expect_str_eq(eps[1].base, "http://127.0.0.1:5000");
	registry_endpoint_release_all(eps, (size_t)n);

	n = registry_endpoint_list("myreg.example:443", NULL, mirrors, eps, &e);
	cr_assert_eq(n, 1);
	cr_expect_str_eq(eps[0].base, "https://myreg.example:443");
	registry_endpoint_release_all(eps, (size_t)n);
}
