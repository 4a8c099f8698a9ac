#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Remote access over TLS (issue 12), on a loopback port:
# - scripts/make-certs.sh makes a CA, server and client certificates;
# - with --tlsverify both CLIs work with `docker --tlsverify -H tcp://...`,
#   including hijacked streams that need the client's half-close
#   (`echo | docker run -i ... cat`, `docker exec -i`), `run -it` under a
#   pseudo-terminal, build and pull;
# - a client without a certificate, with one from another CA, or with an
#   expired one, is refused
#   in the handshake (no request reaches a handler); TLS 1.1 and plain HTTP
#   are refused;
# - --tls alone encrypts without asking for a client certificate;
# - SIGHUP reloads the certificates, and keeps the old ones when the new
#   files are broken;
# - plain tcp:// off loopback is refused at start.
. "$(dirname "$0")/../helpers/lib.sh"
# script(1)'s stdin: a FIFO this shell holds open, so it never reaches EOF
# while the command runs, as a user's terminal would not. With /dev/null,
# script meets EOF at once and writes an EOF character to the terminal;
# in one CI run a NUL reached the exec's terminal (echoed back as "^@"),
# which we take to be that write (not proven).
mkfifo "$T_DIR/tty-in" && exec 9<>"$T_DIR/tty-in"
. "$(dirname "$0")/../helpers/images.sh"
export DOCKER_BUILDKIT=0
command -v openssl >/dev/null || skip_all "openssl is not installed"

C=$T_DIR/certs
"$TOP/scripts/make-certs.sh" "$C" localhost 127.0.0.1 >/dev/null &&
	ok "make-certs.sh makes a CA, server and client certificates" ||
	{ fail "make-certs.sh makes a CA, server and client certificates"; finish; }
check "the server and client certificates verify against the CA" \
	openssl verify -CAfile "$C/ca.pem" "$C/server-cert.pem" "$C/cert.pem"
"$TOP/scripts/make-certs.sh" "$T_DIR/other" localhost 127.0.0.1 >/dev/null

PORT=$(free_port) || { fail "a free loopback port"; finish; }
registry_up reg || fail "the loopback registry starts (pull through TLS is not checked)"

# An expired client certificate from the right CA (openssl ca sets the dates).
X=$T_DIR/exp
mkdir -p "$X" && : >"$X/index.txt" && echo 1000 >"$X/serial"
printf '%s\n' '[ca]' 'default_ca = d' '[d]' "database = $X/index.txt" "new_certs_dir = $X" \
	"serial = $X/serial" 'default_md = sha256' 'policy = p' 'x509_extensions = ext' \
	'[p]' 'commonName = supplied' '[ext]' 'extendedKeyUsage = clientAuth' >"$X/ca.cnf"
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$X/key.pem" 2>/dev/null
openssl req -new -key "$X/key.pem" -subj /CN=expired -out "$X/c.csr"
openssl ca -batch -config "$X/ca.cnf" -cert "$C/ca.pem" -keyfile "$C/ca-key.pem" \
	-in "$X/c.csr" -out "$X/cert.pem" -startdate 20200101000000Z \
	-enddate 20200102000000Z >/dev/null 2>&1 || fail "openssl ca makes an expired client certificate"
TLSFLAGS=(-H "tcp://127.0.0.1:$PORT" --tlsverify --tlscacert "$C/ca.pem"
	--tlscert "$C/server-cert.pem" --tlskey "$C/server-key.pem")
MPORT=$(free_port) || { fail "a free loopback port for metrics"; finish; }
# (fd 9: a descriptor berthd inherits, which must not reach its children)
berth_start_seeded -- "${TLSFLAGS[@]}" --metrics-addr "127.0.0.1:$MPORT" --dashboard 9<"$C/ca.pem" ||
	{ fail "berthd starts with --tlsverify"; finish; }
check "berthd says it listens with TLS" grep -q "API listening on tcp://127.0.0.1:$PORT (TLS, client certificates verified)" "$BERTH_LOG"

for cli in "$DOCKER" $DOCKER_OLD; do
	v=$(basename "$(dirname "$cli")")
	t() { DOCKER_HOST= DOCKER_CERT_PATH=$C "$cli" --tlsverify -H "tcp://127.0.0.1:$PORT" "$@"; }
	out=$(t version --format '{{.Server.Version}}' 2>&1)
	expect_eq "[$v] docker --tlsverify version" "$out" "$("$cli" version --format '{{.Server.Version}}')"
	out=$(echo "hello over tls" | t run -i --rm busybox cat 2>&1)
	expect_eq "[$v] run -i: stdin and its end reach the container through TLS" "$out" "hello over tls"
	t run -d --name "tls$v" busybox sleep 300 >/dev/null
	out=$(printf 'a\nb\n' | t exec -i "tls$v" wc -l 2>&1)
	expect_eq "[$v] exec -i: the half-close reaches the process" "$(echo $out)" "2"
	out=$(script -qec "DOCKER_HOST= DOCKER_CERT_PATH=$C $cli --tlsverify -H tcp://127.0.0.1:$PORT exec -it tls$v sh -c 'tty; echo exec-in-a-tty'" /dev/null 2>&1 <"$T_DIR/tty-in" | tr -d '\r' | tr '\n' ' ')
	expect_match "[$v] exec -it under a pseudo-terminal through TLS" "$out" "/dev/pts/[0-9]+ exec-in-a-tty"
	out=$(t logs "tls$v" 2>&1; t rm -f "tls$v" 2>&1)
	expect_eq "[$v] logs and rm -f" "$out" "tls$v"
	out=$(script -qec "DOCKER_HOST= DOCKER_CERT_PATH=$C $cli --tlsverify -H tcp://127.0.0.1:$PORT run -it --rm busybox sh -c 'tty; echo in-a-tty'" /dev/null 2>&1 <"$T_DIR/tty-in" | tr -d '\r' | tr '\n' ' ')
	expect_match "[$v] run -it under a pseudo-terminal through TLS" "$out" "/dev/pts/0 in-a-tty"
	mkdir -p "$T_DIR/ctx$v" && printf 'FROM busybox\nRUN echo built-over-tls >/f\n' >"$T_DIR/ctx$v/Dockerfile"
	t build -q -t "tlsbuilt$v" "$T_DIR/ctx$v" >/dev/null 2>&1
	expect_eq "[$v] docker build through TLS" "$(t run --rm "tlsbuilt$v" cat /f 2>&1)" "built-over-tls"
	if [ -n "${REGISTRY:-}" ]; then
		out=$(t pull "$REGISTRY/app1:latest" 2>&1)
		expect_match "[$v] docker pull through TLS" "$out" "Status: (Downloaded newer image|Image is up to date)"
	fi
	out=$(DOCKER_HOST= "$cli" -H "tcp://127.0.0.1:$PORT" version 2>&1)
	expect_no_match "[$v] without --tlsverify the CLI gets nothing" "$out" "Server:.*Version"
	# the README's TLS context
	"$cli" context create "tlsctx$v" --docker \
		"host=tcp://127.0.0.1:$PORT,ca=$C/ca.pem,cert=$C/cert.pem,key=$C/key.pem" >/dev/null 2>&1
	out=$(DOCKER_HOST= "$cli" --context "tlsctx$v" run --rm busybox echo via-context 2>&1)
	expect_eq "[$v] a docker context with the TLS files reaches berthd" "$out" "via-context"
	"$cli" context rm -f "tlsctx$v" >/dev/null 2>&1
done

# The issue's "done when": another (unprivileged) user's shell runs
# `docker --tlsverify ... run -it --rm busybox sh` with the client
# certificates, and is refused without them.
U=$(mktemp -d /tmp/berth-tlsuser.XXXXXX) && on_exit rm -rf "$U"
mkdir -p "$U/certs" "$U/cfg" && cp "$C/ca.pem" "$C/cert.pem" "$C/key.pem" "$U/certs/"
chmod 0755 "$U" && chown -R 65534:65534 "$U/certs" "$U/cfg"
as_nobody="setpriv --reuid=65534 --regid=65534 --clear-groups env -i PATH=$PATH HOME=$U DOCKER_CONFIG=$U/cfg"
out=$(script -qec "$as_nobody DOCKER_CERT_PATH=$U/certs $DOCKER --tlsverify -H tcp://127.0.0.1:$PORT run -it --rm busybox sh -c 'tty; echo from-another-user'" /dev/null 2>&1 <"$T_DIR/tty-in" | tr -d '\r' | tr '\n' ' ')
expect_match "another user's shell: docker --tlsverify run -it --rm busybox sh" "$out" "/dev/pts/[0-9]+ from-another-user"
out=$($as_nobody "$DOCKER" -H "tcp://127.0.0.1:$PORT" --tls run --rm busybox echo served 2>&1; echo "rc=$?")
expect_match "... and without client certificates it is refused in the handshake" "$(echo $out)" "(tls|certificate).* rc=1$"

# fd hygiene: with TLS, metrics, the dashboard, a running container and a
# failed pull behind it, every descriptor of berthd above 2 is close-on-exec,
# and neither the shim nor the container holds any of berthd's.
"$DOCKER" run -d --name fdc busybox sleep 300 >/dev/null
DOCKER_HOST= DOCKER_CERT_PATH=$C "$DOCKER" --tlsverify -H "tcp://127.0.0.1:$PORT" ps >/dev/null 2>&1
curl -s "http://127.0.0.1:$MPORT/metrics" >/dev/null
curl -s --unix-socket "$BERTH_SOCK" http://x/dashboard/ >/dev/null
"$DOCKER" pull 127.0.0.1:1/nothing:here >/dev/null 2>&1
leaky=
for f in /proc/"$BERTH_PID"/fdinfo/*; do
	n=${f##*/}
	fl=$(awk '/^flags:/ {print $2}' "$f" 2>/dev/null) || continue
	[ "$n" -gt 2 ] && [ -n "$fl" ] && [ $((0$fl & 02000000)) -eq 0 ] &&
		leaky+="$n -> $(readlink "/proc/$BERTH_PID/fd/$n") "
done
expect_eq "no descriptor of berthd above 2 lacks FD_CLOEXEC (inherited fd 9, libnftables' socket)" "$leaky" ""
fds_of() { for f in /proc/"$1"/fd/*; do readlink "$f"; done 2>/dev/null | grep -v '^/dev/null$' | sort -u; }
cpid=$("$DOCKER" inspect -f '{{.State.Pid}}' fdc)
spid=$(awk '{print $4}' "/proc/$cpid/stat")
fds_of "$BERTH_PID" >"$T_DIR/berthd.fds"
out=$(fds_of "$cpid" | comm -12 - "$T_DIR/berthd.fds" | tr '\n' ' ')
expect_eq "the container's process holds none of berthd's descriptors" "$out" ""
expect_eq "  (it has only its stdio)" "$(ls "/proc/$cpid/fd" | tr '\n' ' ')" "0 1 2 "
out=$(fds_of "$spid" | comm -12 - "$T_DIR/berthd.fds" | tr '\n' ' ')
expect_eq "the shim holds none of berthd's descriptors" "$out" ""
expect_no_match "  (no socket of berthd's listeners or its CA file)" "$(fds_of "$spid")" "$C|berth.sock"
"$DOCKER" rm -f fdc >/dev/null

# curl: the handshake itself decides.
u="https://127.0.0.1:$PORT/_ping"
out=$(curl -s --cacert "$C/ca.pem" --cert "$C/cert.pem" --key "$C/key.pem" "$u")
expect_eq "curl with the client certificate" "$out" "OK"
before=$(grep -c ' /_ping ' "$BERTH_LOG")
check_fails "curl without a client certificate is refused" curl -sf --cacert "$C/ca.pem" "$u"
check_fails "a client certificate from another CA is refused" \
	curl -sf --cacert "$C/ca.pem" --cert "$T_DIR/other/cert.pem" --key "$T_DIR/other/key.pem" "$u"
check_fails "an expired client certificate from the right CA is refused" \
	curl -sf --cacert "$C/ca.pem" --cert "$X/cert.pem" --key "$X/key.pem" "$u"
check "  (as expired)" grep -qi "TLS handshake error from .*expired" "$BERTH_LOG"
expect_eq "no refused request reached a handler" "$(grep -c ' /_ping ' "$BERTH_LOG")" "$before"
check "the refusals are logged as handshake errors" grep -q "TLS handshake error from 127.0.0.1" "$BERTH_LOG"
out=$(openssl s_client -connect "127.0.0.1:$PORT" -tls1_1 -cipher 'DEFAULT:@SECLEVEL=0' \
	-cert "$C/cert.pem" -key "$C/key.pem" </dev/null 2>&1)
expect_match "TLS 1.1 is refused" "$out" "Cipher is \(NONE\)|alert protocol version|handshake failure"
check "by the server (TLS 1.2 is the minimum)" grep -q "TLS handshake error from .*unsupported protocol" "$BERTH_LOG"
check_fails "plain HTTP to the TLS port gets no answer" curl -sf -m 5 "http://127.0.0.1:$PORT/_ping"
# Binary garbage inside the TLS session: the same 400 as on a plain listener (9003).
out=$(printf '\000\001\002garbage\r\n' | timeout 10 openssl s_client -quiet -connect "127.0.0.1:$PORT" \
	-CAfile "$C/ca.pem" -cert "$C/cert.pem" -key "$C/key.pem" 2>/dev/null | tr -d '\r' | head -n 1)
expect_eq "a garbage request line over TLS: 400" "$out" "HTTP/1.1 400 Bad Request"
# The framing checks on the second request of a kept-alive TLS connection,
# after the first answer (seq) and right behind the first request (pipe).
cat >"$T_DIR/second.py" <<'EOF'
import socket, ssl, sys
port, ca, cert, key = sys.argv[1:5]
cases = {
    "garbage-target": b"GET /_p\x01ng HTTP/1.1\r\nHost: x\r\n\r\n",
    "two-lengths": b"POST /containers/create HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                   b"Content-Length: 2\r\nContent-Length: 60\r\n\r\n{}",
    "chunked-identity": b"POST /containers/create HTTP/1.1\r\nHost: x\r\n"
                        b"Transfer-Encoding: chunked, identity\r\n\r\n2\r\n{}\r\n0\r\n\r\n",
    "nul-query": b"GET /images/json?filters=%00x HTTP/1.1\r\nHost: x\r\n\r\n",
}
ctx = ssl.create_default_context(cafile=ca)
ctx.load_cert_chain(cert, key)
ctx.check_hostname = False
first = b"GET /_ping HTTP/1.1\r\nHost: x\r\n\r\n"
for mode in ("seq", "pipe"):
    for name, req in cases.items():
        s = ctx.wrap_socket(socket.create_connection(("127.0.0.1", int(port))))
        s.settimeout(5)
        out = b""
        s.sendall(first + req if mode == "pipe" else first)
        if mode == "seq":
            while not out.endswith(b"OK"):
                out += s.recv(65536)
            s.sendall(req)
        end = "open"
        try:
            while True:
                d = s.recv(65536)
                if not d:
                    end = "closed"
                    break
                out += d
        except (socket.timeout, ssl.SSLError):
            pass
        second = out.split(b"\r\n\r\nOK", 1)[-1].split(b"\r\n", 1)[0]
        print(mode, name, second.decode("latin-1"), end)
        s.close()
EOF
out=$(/usr/bin/python3 "$T_DIR/second.py" "$PORT" "$C/ca.pem" "$C/cert.pem" "$C/key.pem" 2>&1)
for m in seq pipe; do
	expect_match "TLS, 2nd request ($m): a control byte in the target: 400 and closed" "$out" "^$m garbage-target HTTP/1.1 400 .*closed$"
	expect_match "TLS, 2nd request ($m): two different Content-Length headers: 400 and closed" "$out" "^$m two-lengths HTTP/1.1 400 .*closed$"
	expect_match "TLS, 2nd request ($m): chunked, identity: 501 and closed" "$out" "^$m chunked-identity HTTP/1.1 501 .*closed$"
	expect_match "TLS, 2nd request ($m): %00 in the query: 400 and closed" "$out" "^$m nul-query HTTP/1.1 400 .*closed$"
done
check "the unix socket still answers" curl -sf --unix-socket "$BERTH_SOCK" http://x/_ping
out=$(curl -s --cacert "$C/ca.pem" --cert "$C/cert.pem" --key "$C/key.pem" "https://127.0.0.1:$PORT/_ping")
expect_eq "berthd keeps serving TLS after the refusals" "$out" "OK"

# SIGHUP: new certificates from another CA are taken at once.
cp "$C/server-cert.pem" "$T_DIR/keep-cert.pem"; cp "$C/server-key.pem" "$T_DIR/keep-key.pem"
cp "$C/ca.pem" "$T_DIR/keep-ca.pem"
install -m 0600 "$T_DIR/other/server-cert.pem" "$T_DIR/srv-cert.pem"
install -m 0600 "$T_DIR/other/server-key.pem" "$T_DIR/srv-key.pem"
install -m 0600 "$T_DIR/other/ca.pem" "$T_DIR/srv-ca.pem"
berth_stop
berth_restart -H "tcp://127.0.0.1:$PORT" --tlsverify --tlscacert "$T_DIR/srv-ca.pem" \
	--tlscert "$T_DIR/srv-cert.pem" --tlskey "$T_DIR/srv-key.pem" || { fail "berthd restarts"; finish; }
o=$T_DIR/other
check "the other CA's client is served" curl -sf --cacert "$o/ca.pem" --cert "$o/cert.pem" --key "$o/key.pem" "$u"
install -m 0600 "$T_DIR/keep-cert.pem" "$T_DIR/srv-cert.pem"
install -m 0600 "$T_DIR/keep-key.pem" "$T_DIR/srv-key.pem"
install -m 0600 "$T_DIR/keep-ca.pem" "$T_DIR/srv-ca.pem"
kill -HUP "$BERTH_PID"
check "after SIGHUP the new certificates are used" wait_for 10 curl -sf --cacert "$C/ca.pem" --cert "$C/cert.pem" --key "$C/key.pem" "$u"
check_fails "and the old CA's client is refused" curl -sf --cacert "$o/ca.pem" --cert "$o/cert.pem" --key "$o/key.pem" "$u"
echo garbage >"$T_DIR/srv-key.pem"
kill -HUP "$BERTH_PID"
check "a broken key on SIGHUP is reported" wait_for 10 grep -q "keeping the current TLS certificates" "$BERTH_LOG"
check "and the current certificates stay in use" curl -sf --cacert "$C/ca.pem" --cert "$C/cert.pem" --key "$C/key.pem" "$u"

# --tls alone: encrypted, no client certificate asked for.
install -m 0600 "$T_DIR/keep-key.pem" "$T_DIR/srv-key.pem"
berth_stop
berth_restart -H "tcp://127.0.0.1:$PORT" --tls --tlscert "$T_DIR/srv-cert.pem" \
	--tlskey "$T_DIR/srv-key.pem" || { fail "berthd restarts with --tls"; finish; }
out=$(curl -s --cacert "$C/ca.pem" "$u")
expect_eq "--tls: a client without a certificate is served" "$out" "OK"
out=$(DOCKER_HOST= DOCKER_CERT_PATH=$C "$DOCKER" --tls -H "tcp://127.0.0.1:$PORT" ps --format x 2>&1)
expect_eq "--tls: docker --tls works" "$out" ""
berth_stop

# Plain TCP off loopback is refused before anything listens.
out=$("$BERTHD" -H "tcp://0.0.0.0:$PORT" --data-root "$T_DIR/x" --exec-root "$T_DIR/xe" --bridge none 2>&1)
expect_match "plain tcp:// off loopback is refused" "$out" "refusing to listen on 'tcp://0.0.0.0:$PORT' without TLS"
out=$("$BERTHD" -H "tcp://127.0.0.1:$PORT" --tlsverify --tlscacert "$T_DIR/nope.pem" \
	--tlscert "$C/server-cert.pem" --tlskey "$C/server-key.pem" --data-root "$T_DIR/x" \
	--exec-root "$T_DIR/xe" --pidfile "$T_DIR/x.pid" --bridge none 2>&1)
expect_match "a missing CA file is a clear start-up error" "$out" "could not read the CA certificate"
check_fails "and nothing listens" sh -c "ss -Htln 'sport = :$PORT' | grep -q ."
finish
