# SPDX-License-Identifier: Apache-2.0
# The compose project of issue 10's tests, run with Debian's docker-compose
# (1.29) against the test's berthd (DOCKER_HOST). Source after lib.sh:
#   compose_write_busybox DIR BASE   the project on busybox images (6004)
#   compose_write_debian DIR BASE    the same on a Debian base: redis-server
#                                    and python3's CGI server (6005)
#   compose_steps DIR                up --build, ps, the web answers through
#                                    the store, logs, exec, restart, scale,
#                                    down, up again, down -v, nothing left
# Both projects give the same interface: the store image has
# `kv-set KEY VALUE` and `kv-get KEY`; the web answers GET /cgi-bin/get?KEY with
# "KEY=VALUE from HOSTNAME" (fetched from service "store" by name) and
# GET /cgi-bin/who with its hostname; both images have busybox (nslookup).

# The compose file: front and back networks on random /26 subnets of
# 10.0.0.0/8 (as 4005), web on both with the alias "frontend" on front,
# store on back with the volume "data", health-checked; web waits for it.
compose_write_file() { # DIR
	local h a b
	h=$(rand_hex); a=$((0x${h:0:2} % 200 + 20)); b=$((0x${h:2:2} % 250 + 1))
	cat >"$1/docker-compose.yml" <<EOF
version: "2.4"
services:
  store:
    build: ./store
    volumes:
      - data:/data
    networks:
      back:
        aliases: [kv]
    healthcheck:
      test: ["CMD-SHELL", "kv-health"]
      interval: 1s
      timeout: 5s
      retries: 30
      start_period: 1s
  web:
    build: ./web
    ports:
      - "127.0.0.1:\${WEB_PORT:-}:8080"
    networks:
      front:
        aliases: [frontend]
      back: {}
    depends_on:
      store:
        condition: service_healthy
networks:
  front:
    ipam:
      config:
        - subnet: 10.$a.$b.0/26
  back:
    ipam:
      config:
        - subnet: 10.$a.$b.64/26
volumes:
  data: {}
EOF
}

compose_write_busybox() { # DIR BASE
	local d=$1 base=$2
	mkdir -p "$d/store/cgi-bin" "$d/web/cgi-bin"
	compose_write_file "$d"
	cat >"$d/store/Dockerfile" <<EOF
FROM $base
COPY kv-set kv-get kv-health store-start /usr/local/bin/
COPY cgi-bin /srv/cgi-bin
CMD ["store-start"]
EOF
	cat >"$d/store/store-start" <<'EOF'
#!/bin/sh
echo "store ready on port 7000"
exec httpd -f -v -p 7000 -h /srv
EOF
	cat >"$d/store/kv-set" <<'EOF'
#!/bin/sh
case $1 in *[!a-z0-9]* | "") echo "bad key" >&2; exit 2 ;; esac
printf '%s' "$2" >"/data/$1"
EOF
	cat >"$d/store/kv-get" <<'EOF'
#!/bin/sh
case $1 in *[!a-z0-9]* | "") echo "bad key" >&2; exit 2 ;; esac
cat "/data/$1"
EOF
	cat >"$d/store/kv-health" <<'EOF'
#!/bin/sh
wget -qO- http://127.0.0.1:7000/cgi-bin/get?health >/dev/null
EOF
	cat >"$d/store/cgi-bin/get" <<'EOF'
#!/bin/sh
printf 'Content-Type: text/plain\r\n\r\n'
case $QUERY_STRING in
health) echo ok ;;
*[!a-z0-9]* | "") echo "bad key" ;;
*) cat "/data/$QUERY_STRING" 2>/dev/null ;;
esac
EOF
	cat >"$d/web/Dockerfile" <<EOF
FROM $base
COPY cgi-bin /www/cgi-bin
CMD ["sh", "-c", "echo web ready on port 8080; exec httpd -f -v -p 8080 -h /www"]
EOF
	compose_write_web_cgi "$d/web/cgi-bin" "wget -qO- \"http://store:7000/cgi-bin/get?\$QUERY_STRING\""
	chmod 755 "$d"/store/kv-* "$d"/store/store-start "$d"/store/cgi-bin/* "$d"/web/cgi-bin/*
}

compose_write_web_cgi() { # DIR FETCH-COMMAND
	cat >"$1/get" <<EOF
#!/bin/sh
printf 'Content-Type: text/plain\r\n\r\n'
case \$QUERY_STRING in *[!a-z0-9]* | "") echo "bad key"; exit 0 ;; esac
v=\$($2)
echo "\$QUERY_STRING=\$v from \$(hostname)"
EOF
	cat >"$1/who" <<'EOF'
#!/bin/sh
printf 'Content-Type: text/plain\r\n\r\n'
hostname
EOF
}

compose_write_debian() { # DIR BASE
	local d=$1 base=$2
	mkdir -p "$d/store" "$d/web/cgi-bin"
	compose_write_file "$d"
	cat >"$d/store/Dockerfile" <<EOF
FROM $base
RUN apt-get update && apt-get install --yes --no-install-recommends redis-server busybox
COPY kv-set kv-get kv-health /usr/local/bin/
EXPOSE 6379
CMD ["redis-server", "--port", "6379", "--bind", "0.0.0.0", "--protected-mode", "no", "--dir", "/data", "--appendonly", "yes", "--appendfsync", "always"]
EOF
	cat >"$d/store/kv-set" <<'EOF'
#!/bin/sh
redis-cli set "$1" "$2" >/dev/null
EOF
	cat >"$d/store/kv-get" <<'EOF'
#!/bin/sh
redis-cli --raw get "$1" | tr -d '\n'
EOF
	cat >"$d/store/kv-health" <<'EOF'
#!/bin/sh
[ "$(redis-cli ping)" = PONG ]
EOF
	cat >"$d/web/Dockerfile" <<EOF
FROM $base
RUN apt-get update && apt-get install --yes --no-install-recommends python3 redis-tools busybox
COPY cgi-bin /www/cgi-bin
WORKDIR /www
CMD ["python3", "-m", "http.server", "--cgi", "8080"]
EOF
	compose_write_web_cgi "$d/web/cgi-bin" "redis-cli -h store get \"\$QUERY_STRING\""
	chmod 755 "$d"/store/kv-* "$d"/web/cgi-bin/*
}

# A TCP port nothing listens on, in 20000..39999.
compose_free_port() {
	local p
	while :; do
		p=$((20000 + RANDOM % 20000))
		ss -Hltn "sport = :$p" | grep -q . || { echo "$p"; return; }
	done
}

compose_steps() { # DIR
	local dir=$1 h proj port out rc ids cids i left webs first
	h=$(rand_hex); proj=c$h
	dc() { (cd "$dir" && docker-compose -p "$proj" --ansi never "$@"); }
	# shellcheck disable=SC2016
	on_exit "(cd '$dir' && docker-compose -p $proj down -v --remove-orphans -t 1) >/dev/null 2>&1"
	port=$(compose_free_port)
	export DOCKER_BUILDKIT=0 COMPOSE_DOCKER_CLI_BUILD=0 WEB_PORT=$port

	out=$(dc up -d --build 2>&1); rc=$?
	expect_eq "docker-compose up -d --build" "$rc" 0
	[ "$rc" -eq 0 ] || { diag "$(printf '%s\n' "$out" | tail -30)"; return; }
	ids=$("$DOCKER" network ls -q --no-trunc --filter "label=com.docker.compose.project=$proj" | sort)
	expect_eq "two project networks exist" "$(printf '%s\n' "$ids" | grep -c .)" 2
	out=$(dc ps 2>&1)
	expect_match "ps shows the store healthy" "$out" "${proj}_store_1 .*Up \(healthy\)"
	expect_match "ps shows web up with its port" "$out" "${proj}_web_1 .*Up .*127\.0\.0\.1:$port->8080/tcp"

	check "exec: kv-set in the store" dc exec -T store kv-set greeting "hello-$h"
	expect_eq "exec: kv-get in the store" "$(dc exec -T store kv-get greeting 2>&1)" "hello-$h"
	out=$(dc exec -T web hostname 2>&1)
	expect_match "exec in web" "$out" '^[0-9a-f]{12}'
	wait_for 30 curl -sf "http://127.0.0.1:$port/cgi-bin/who"
	out=$(curl -s "http://127.0.0.1:$port/cgi-bin/get?greeting")
	expect_match "web answers on 127.0.0.1:$port with the store's value by name" "$out" "^greeting=hello-$h from "

	out=$(dc logs --no-color store 2>&1)
	expect_match "logs of the store" "$out" 'store_1 .*\| (store ready|.*Ready to accept connections)'
	out=$(dc logs --no-color 2>&1)
	expect_match "logs of every service" "$out" 'web_1 .*\|'

	check "restart" dc restart -t 2
	if wait_for 30 curl -sf "http://127.0.0.1:$port/cgi-bin/get?greeting"; then
		out=$(curl -s "http://127.0.0.1:$port/cgi-bin/get?greeting")
		expect_match "web answers after restart" "$out" "^greeting=hello-$h from "
	else
		fail "web answers after restart"
	fi

	# Scaled, web cannot keep one fixed host port: the port becomes ephemeral.
	out=$(WEB_PORT= dc up -d --scale web=3 2>&1); rc=$?
	expect_eq "up -d --scale web=3" "$rc" 0
	[ "$rc" -eq 0 ] || diag "$(printf '%s\n' "$out" | tail -20)"
	webs=$(dc ps -q web | grep -c .)
	expect_eq "three web containers" "$webs" 3
	out=$(dc exec -T web busybox nslookup frontend 2>&1 | sed -n '/^Name:/,$p' | grep -c '^Address')
	expect_eq "the alias frontend resolves to the three webs" "$out" 3
	first=""
	for i in 1 2 3 4 5 6; do
		first+=$(dc exec -T web busybox nslookup frontend 2>/dev/null | sed -n '/^Name:/,$p' | awk '/^Address/ {print $NF; exit}')" "
	done
	expect_match "and answers round-robin" "$(printf '%s\n' $first | sort -u | grep -c .)" '^[2-9]$'
	out=$("$DOCKER" port "${proj}_web_2" 8080 2>&1)
	expect_match "a scaled web publishes an ephemeral port on 127.0.0.1" "$out" '^127\.0\.0\.1:[0-9]+$'
	if [ -n "$out" ] && wait_for 30 curl -sf "http://${out%%$'\n'*}/cgi-bin/get?greeting"; then
		expect_match "the second web answers with the store's value" \
			"$(curl -s "http://${out%%$'\n'*}/cgi-bin/get?greeting")" "^greeting=hello-$h from "
	else
		fail "the second web answers with the store's value"
	fi

	out=$(dc down -t 2 2>&1); rc=$?
	expect_eq "down" "$rc" 0
	[ "$rc" -eq 0 ] || diag "$out"
	expect_eq "down leaves no container" "$("$DOCKER" ps -aq --filter "label=com.docker.compose.project=$proj")" ""
	check "down keeps the volume" "$DOCKER" volume inspect "${proj}_data"
	out=$(dc up -d 2>&1); rc=$?
	expect_eq "up -d again" "$rc" 0
	[ "$rc" -eq 0 ] || diag "$out"
	expect_eq "the store still has the data in its volume" "$(dc exec -T store kv-get greeting 2>&1)" "hello-$h"
	if wait_for 30 curl -sf "http://127.0.0.1:$port/cgi-bin/get?greeting"; then
		out=$(curl -s "http://127.0.0.1:$port/cgi-bin/get?greeting")
		expect_match "and the web gets it by name" "$out" "^greeting=hello-$h from "
	else
		fail "and the web gets it by name"
	fi
	ids=$("$DOCKER" network ls -q --no-trunc --filter "label=com.docker.compose.project=$proj" | sort)
	cids=$("$DOCKER" ps -aq --no-trunc --filter "label=com.docker.compose.project=$proj")

	out=$(dc down -v -t 2 2>&1); rc=$?
	expect_eq "down -v" "$rc" 0
	[ "$rc" -eq 0 ] || diag "$out"
	left=""
	"$DOCKER" volume inspect "${proj}_data" >/dev/null 2>&1 && left+=" volume"
	[ -z "$("$DOCKER" network ls -q --filter "label=com.docker.compose.project=$proj")" ] || left+=" networks"
	[ -z "$("$DOCKER" ps -aq)" ] || left+=" containers"
	for i in $ids; do
		ip link show "br-${i:0:12}" >/dev/null 2>&1 && left+=" bridge br-${i:0:12}"
		nft list table ip "berth_br_${i:0:12}" >/dev/null 2>&1 && left+=" table berth_br_${i:0:12}"
	done
	for i in $cids; do ip -o link | grep -q "berth:$i" && left+=" veth:${i:0:12}"; done
	expect_eq "down -v leaves no network, bridge, nft table, container or volume" "$left" ""

}
