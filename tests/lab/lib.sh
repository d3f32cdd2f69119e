# Shared definitions of the shutdown lab: addresses, namespace names, state, scenarios.
# shellcheck shell=bash
# Sourced by up, down, scenario, check, schedule, run-in-vantage. Needs root.

LAB_SRC=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=scenarios.conf
source "$LAB_SRC/scenarios.conf"

LAB_SCENARIOS="normal full-blackout intl-blackout local-outage gateway-dead dns-poison sni-reset http-blockpage messenger-block throttle flaky"

# Link addresses (RFC 5737 / RFC 3849 only). The vantage's own address is deliberately
# unlike any server address so a grep for it in a database or export is unambiguous.
VANTAGE4=192.0.2.254; GW4=192.0.2.253; VANTAGE6=2001:db8:fe::254; GW6=2001:db8:fe::253
ISP_DOM4=192.0.2.249; DOM4=192.0.2.250; ISP_DOM6=2001:db8:fd::249; DOM6=2001:db8:fd::250
ISP_INT4=192.0.2.245; INT4=192.0.2.246; ISP_INT6=2001:db8:fc::245; INT6=2001:db8:fc::246
ISP_RESOLVER4=192.0.2.53; ISP_RESOLVER6=2001:db8:2::53
PUBLIC_RESOLVER4=203.0.113.53; PUBLIC_RESOLVER6=2001:db8:113::53
DOMESTIC_NETS4="192.0.2.0/25"; DOMESTIC_NETS6="2001:db8:2::/64"
INTL_NETS4="203.0.113.0/24 198.51.100.128/25"; INTL_NETS6="2001:db8:113::/64 2001:db8:100::/64"

lab_die() { echo "lab: error: $*" >&2; exit 1; }
lab_log() { echo "lab: $*" >&2; }

# The IPv6 twin of a lab IPv4 address (see hosts.tsv).
lab_v6_of() {
  case "$1" in
    192.0.2.*) echo "2001:db8:2::${1##*.}" ;;
    198.51.100.*) echo "2001:db8:100::${1##*.}" ;;
    203.0.113.*) echo "2001:db8:113::${1##*.}" ;;
    *) lab_die "not a lab address: $1" ;;
  esac
}

# hosts.tsv without comments: "ZONE ADDR4 ROLE NAMES..." per line.
lab_hosts() { grep -Ev '^[[:space:]]*(#|$)' "$LAB_SRC/hosts.tsv"; }

# The IPv4 address serving NAME (first match), or nothing.
lab_addr_of() {
  lab_hosts | awk -v n="$1" '{ for (i = 4; i <= NF; i++) if ($i == n) { print $2; exit } }'
}

# Locate the lab: $LAB_DIR, else the only /tmp/nvlab-*/lab.env; then load its names.
lab_load() {
  if [[ -z "${LAB_DIR:-}" ]]; then
    local found=() f
    for f in /tmp/nvlab-*/lab.env; do [[ -e "$f" ]] && found+=("${f%/lab.env}"); done
    (( ${#found[@]} == 1 )) || lab_die "set LAB_DIR (found ${#found[@]} labs under /tmp)"
    LAB_DIR=${found[0]}
  fi
  [[ -f "$LAB_DIR/lab.env" ]] || lab_die "no lab at $LAB_DIR (run up first)"
  # shellcheck source=/dev/null
  source "$LAB_DIR/lab.env"
  export LAB_DIR
}

lab_ns() { local ns=$1; shift; ip netns exec "$ns" "$@"; }

# Start a long-running server inside namespace NS, recording its PID as run/NAME.pid.
lab_spawn() {
  local ns=$1 name=$2; shift 2
  ip netns exec "$ns" "$@" </dev/null >"$LAB_DIR/log/$name.out" 2>&1 &
  echo "$!" >"$LAB_DIR/run/$name.pid"
}

# True if PID is alive and lives in one of this lab's namespaces (guards PID reuse).
lab_pid_is_ours() {
  local pid=$1 ns
  [[ -d /proc/$pid ]] || return 1
  ns=$(ip netns identify "$pid" 2>/dev/null) || return 1
  [[ " $NS_V $NS_ISP $NS_DOM $NS_INT " == *" $ns "* && -n "$ns" ]]
}

# Wait (bounded) until a TCP port answers inside NS.
lab_wait_tcp() {
  local ns=$1 addr=$2 port=$3 i
  for ((i = 0; i < 50; i++)); do
    if ip netns exec "$ns" timeout 1 bash -c "exec 3<>/dev/tcp/$addr/$port" 2>/dev/null; then
      return 0
    fi
    sleep 0.1
  done
  lab_die "nothing listens on $addr:$port in $ns after 5 s (see $LAB_DIR/log)"
}

# The hosts file a resolver serves: every name, A and AAAA; POISON swaps chosen names.
# Returns 0 if the file changed. (awk, not a bash loop: a switch must take milliseconds.)
lab_write_hosts() {
  local file=$1 poison=${2:-} tmp="$1.tmp"
  lab_hosts | awk -v poison="$poison" -v names="$POISON_NAMES" -v p4="$POISON_ADDR4" -v p6="$POISON_ADDR6" '
    BEGIN { n = split(names, list, " "); for (i = 1; i <= n; i++) poisoned[list[i]] = 1 }
    function v6(a,   o) {
      split(a, o, ".")
      if (a ~ /^192\.0\.2\./) return "2001:db8:2::" o[4]
      if (a ~ /^198\.51\.100\./) return "2001:db8:100::" o[4]
      return "2001:db8:113::" o[4]
    }
    $4 != "-" { for (i = 4; i <= NF; i++) {
      if (poison != "" && ($i in poisoned)) { print p4, $i; print p6, $i }
      else { print $2, $i; print v6($2), $i } } }' >"$tmp"
  if ! cmp -s "$tmp" "$file"; then mv "$tmp" "$file"; return 0; fi
  rm -f "$tmp"; return 1
}

# The nftables ruleset of the censor for SCENARIO (one atomic replace of table inet nvlab).
lab_nft_ruleset() {
  local s=$1 input="" forward="" prerouting="" a addrs4="" addrs6=""
  case "$s" in
    full-blackout) forward='iifname "vt" drop
      oifname "vt" drop' ;;
    intl-blackout) forward='iifname "int" drop
      oifname "int" drop' ;;
    gateway-dead)
      # ARP still answers (it is not IP); NDP is let through to match: "link up, first hop silent".
      input='iifname "vt" icmpv6 type { nd-neighbor-solicit, nd-neighbor-advert, nd-router-solicit } accept
      iifname "vt" drop'
      forward='iifname "vt" drop
      oifname "vt" drop' ;;
    http-blockpage)
      for n in $BLOCKPAGE_HTTP_TARGETS; do
        if [[ "$n" =~ ^[0-9.]+$ ]]; then a=$n; else a=$(lab_addr_of "$n"); fi
        [[ -n "$a" ]] || lab_die "unknown BLOCKPAGE_HTTP_TARGETS entry $n"
        addrs4+="${addrs4:+, }$a"; addrs6+="${addrs6:+, }$(lab_v6_of "$a")"
      done
      prerouting="iifname \"vt\" ip daddr { $addrs4 } tcp dport 80 dnat ip to $BLOCKPAGE_ADDR4:80
      iifname \"vt\" ip6 daddr { $addrs6 } tcp dport 80 dnat ip6 to [$(lab_v6_of "$BLOCKPAGE_ADDR4")]:80" ;;
    messenger-block) forward='ip daddr @messengers4 drop
      ip saddr @messengers4 drop
      ip6 daddr @messengers6 drop
      ip6 saddr @messengers6 drop' ;;
    throttle) forward="iifname \"int\" numgen random mod 100 < $THROTTLE_LOSS_PCT drop" ;;
    flaky) forward="numgen random mod 100 < $FLAKY_LOSS_PCT drop" ;;
  esac
  local m4 m6
  m4=$(echo "$MESSENGER_NETS4" | sed 's/ /, /g'); m6=$(echo "$MESSENGER_NETS6" | sed 's/ /, /g')
  cat <<EOF
table inet nvlab
delete table inet nvlab
table inet nvlab {
  set messengers4 { type ipv4_addr; flags interval; elements = { $m4 } }
  set messengers6 { type ipv6_addr; flags interval; elements = { $m6 } }
  chain input { type filter hook input priority 0; policy accept;
      $input
  }
  chain forward { type filter hook forward priority 0; policy accept;
      $forward
  }
  chain prerouting { type nat hook prerouting priority -100; policy accept;
      $prerouting
  }
}
EOF
}

# Run a command in namespace NS without ip-netns-exec's mount setup (~100 ms each here).
lab_nsenter() { local ns=$1; shift; nsenter --net="/run/netns/$ns" "$@"; }

# Switch the censor to SCENARIO. Idempotent: everything is reset to normal first.
# Takes a few hundred milliseconds; the schedule runner logs the moment it returns.
lab_apply_scenario() {
  local s=$1 p prev
  [[ " $LAB_SCENARIOS " == *" $s "* ]] || lab_die "unknown scenario '$s' (one of: $LAB_SCENARIOS)"
  prev=$(cat "$LAB_DIR/scenario" 2>/dev/null || echo unknown)
  # Own link: up with its routes unless the scenario takes it down.
  if [[ "$s" == local-outage ]]; then
    ip -n "$NS_V" link set eth0 down
  else
    ip -n "$NS_V" -batch - <<EOF
link set eth0 up
addr replace $VANTAGE6/64 dev eth0 nodad
route replace default via $GW4 dev eth0
route replace default via $GW6 dev eth0
EOF
  fi
  # Packet filter (atomic replace).
  lab_nft_ruleset "$s" | lab_nsenter "$NS_ISP" nft -f -
  # SNI resets (xtables string match: nftables cannot search payload for a string).
  if [[ "$s" == sni-reset || "$prev" == sni-reset || "$prev" == unknown ]]; then
    local rules=""
    if [[ "$s" == sni-reset ]]; then
      for p in $SNI_RESET_PATTERNS; do
        rules+="-A NVLAB_SNI -p tcp --dport 443 -m string --string $p --algo bm -j REJECT --reject-with tcp-reset"$'\n'
      done
    fi
    printf '*filter\n-F NVLAB_SNI\n%sCOMMIT\n' "$rules" | lab_nsenter "$NS_ISP" iptables-restore --noflush
    printf '*filter\n-F NVLAB_SNI\n%sCOMMIT\n' "$rules" | lab_nsenter "$NS_ISP" ip6tables-restore --noflush
  fi
  # Throttle: shape international egress (tbf: this kernel has no sch_netem).
  if [[ "$s" == throttle ]]; then
    lab_nsenter "$NS_INT" tc qdisc replace dev eth0 root tbf rate "$THROTTLE_RATE" burst 16kb latency 300ms
  elif [[ "$prev" == throttle || "$prev" == unknown ]]; then
    lab_nsenter "$NS_INT" tc qdisc del dev eth0 root 2>/dev/null || true
  fi
  # DNS poisoning: the ISP resolver's hosts file, re-read on SIGHUP.
  local poison=""
  [[ "$s" == dns-poison ]] && poison=1
  if lab_write_hosts "$LAB_DIR/dns/isp.hosts" "$poison"; then
    local pid log before i
    pid=$(cat "$LAB_DIR/run/dnsmasq-isp.pid")
    lab_pid_is_ours "$pid" || lab_die "ISP resolver (pid $pid) is not running"
    log="$LAB_DIR/log/dnsmasq-isp.log"
    before=$(grep -c "read $LAB_DIR/dns/isp.hosts" "$log" || true)
    kill -HUP "$pid"
    # dnsmasq logs each re-read; wait (bounded) for it so the switch is done on return.
    for ((i = 0; i < 100; i++)); do
      (( $(grep -c "read $LAB_DIR/dns/isp.hosts" "$log" || true) > before )) && break
      sleep 0.02
    done
  fi
  echo "$s" >"$LAB_DIR/scenario"
}
