// c-ares 1.18 driven by the EventLoop: sock-state callback → watch/unwatch, ares_process_fd on
// readiness, one loop timer per channel re-armed from ares_timeout after every c-ares call.
#include "net/dns_engine.hpp"

#include <ares.h>
#include <arpa/inet.h>
#include <arpa/nameser.h>
#include <netdb.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <map>
#include <optional>
#include <sstream>
#include <tuple>

#include "loop/event_loop.hpp"
#include "net/ares_failure.hpp"
#include "net/dns_reply.hpp"

namespace netvigil {
namespace {

using Us = std::chrono::microseconds;

std::int32_t elapsed_us(SteadyTime since) {
  const auto us = std::chrono::duration_cast<Us>(std::chrono::steady_clock::now() - since).count();
  return static_cast<std::int32_t>(std::clamp<long long>(us, 0, INT32_MAX));
}

/// The first usable `nameserver` line of a resolv.conf, zone id stripped.
std::string first_nameserver(const std::string& path) {
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream words(line);
    std::string key, value;
    if (!(words >> key >> value) || key != "nameserver") continue;
    value = value.substr(0, value.find('%'));
    if (IpAddress::parse(value)) return value;
  }
  return "127.0.0.1";
}

struct ChannelKey {
  std::string resolver;
  std::string transport;
  long try_ms;
  bool operator<(const ChannelKey& o) const {
    return std::tie(resolver, transport, try_ms) < std::tie(o.resolver, o.transport, o.try_ms);
  }
};

}  // namespace

/// One ares_channel and the loop state that drives it.
struct Channel {
  EventLoop* loop = nullptr;
  ares_channel ares = nullptr;
  std::optional<EventLoop::TimerId> timer;
  std::vector<int> fds;  // watched on the loop
  int last_errno = 0;    // the last socket error c-ares met on this channel (0 after a reply)
};

/// One query in flight, shared by the c-ares callback and the deadline timer: whichever comes
/// first sets `finished` and reports; the other sees it and does nothing. c-ares' reference
/// (a heap shared_ptr passed as arg) is freed in on_reply, which c-ares calls exactly once per
/// ares_query (with ARES_EDESTRUCTION from ares_destroy at the latest). Shared rather than
/// raw because a timer cancelled during a batch of due timers may still run.
struct PendingQuery {
  EventLoop* loop = nullptr;
  Channel* channel = nullptr;
  DnsAnswer answer;
  std::function<void(DnsAnswer)> done;
  EventLoop::TimerId deadline = 0;
  SteadyTime started;
  bool finished = false;  // done ran or was posted
};
using PendingRef = std::shared_ptr<PendingQuery>;

struct DnsEngine::Impl {
  EventLoop& loop;
  std::vector<ResolverSpec> resolvers;
  std::map<ChannelKey, std::unique_ptr<Channel>> channels;

  Impl(EventLoop& l, std::vector<ResolverSpec> r) : loop(l), resolvers(std::move(r)) {}
  ~Impl();

  const ResolverSpec* find(const std::string& name) const {
    for (const auto& r : resolvers)
      if (r.name == name) return &r;
    return nullptr;
  }
  Channel* channel_for(const ResolverSpec& r, const std::string& transport, long try_ms,
                       int& status);
};

namespace {

void rearm(Channel& ch);

void on_fd(Channel* ch, int fd, std::uint32_t events) {
  const bool readable = (events & (EPOLLIN | EPOLLERR | EPOLLHUP)) != 0;
  const bool writable = (events & EPOLLOUT) != 0;
  ares_process_fd(ch->ares, readable ? fd : ARES_SOCKET_BAD, writable ? fd : ARES_SOCKET_BAD);
  rearm(*ch);
}

// c-ares calls this when it opens, changes interest in, or closes a socket. It only updates
// the loop's watch set; it never calls back into c-ares.
void sock_state_cb(void* data, ares_socket_t fd, int readable, int writable) noexcept {
  auto* ch = static_cast<Channel*>(data);
  try {
    if (!readable && !writable) {
      ch->loop->unwatch(fd);
      ch->fds.erase(std::remove(ch->fds.begin(), ch->fds.end(), fd), ch->fds.end());
      return;
    }
    std::uint32_t events = 0;
    if (readable) events |= EPOLLIN;
    if (writable) events |= EPOLLOUT;
    ch->loop->watch(fd, events, [ch, fd](std::uint32_t ev) { on_fd(ch, fd, ev); });
    if (std::find(ch->fds.begin(), ch->fds.end(), fd) == ch->fds.end()) ch->fds.push_back(fd);
  } catch (...) {
    // epoll refused the fd: the query then ends by its timeout, which is still a result.
  }
}

// ares_timeout (ares_timeout(3)) gives the time until c-ares next needs ares_process_fd with
// no fd, to expire tries; NULL when no query is pending.
void rearm(Channel& ch) {
  if (ch.timer) ch.loop->cancel_timer(*ch.timer);
  ch.timer.reset();
  timeval tv{};
  if (ares_timeout(ch.ares, nullptr, &tv) == nullptr) return;
  const auto ms = std::chrono::milliseconds(tv.tv_sec * 1000 + (tv.tv_usec + 999) / 1000);
  Channel* c = &ch;
  ch.timer = ch.loop->add_timer_after(ms, [c] {
    c->timer.reset();
    ares_process_fd(c->ares, ARES_SOCKET_BAD, ARES_SOCKET_BAD);
    rearm(*c);
  });
}

// c-ares 1.18 reports every failure to open, connect or send as ARES_ECONNREFUSED. These
// pass-through socket functions (ares_set_socket_functions(3)) remember the real errno so an
// unreachable network is recorded as such, not as a refusal.
void note_errno(void* data, int err) {
  if (err != EAGAIN && err != EWOULDBLOCK && err != EINPROGRESS && err != EINTR)
    static_cast<Channel*>(data)->last_errno = err;
}
// c-ares leaves user-managed sockets as created (1.18 configure_socket and the TCP_NODELAY
// step skip them), so non-blocking, close-on-exec and no-Nagle are set here.
ares_socket_t sf_socket(int domain, int type, int protocol, void* data) noexcept {
  const int fd = ::socket(domain, type | SOCK_NONBLOCK | SOCK_CLOEXEC, protocol);
  if (fd < 0) {
    note_errno(data, errno);
    return ARES_SOCKET_BAD;
  }
  if (type == SOCK_STREAM) {
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  }
  return fd;
}
int sf_close(ares_socket_t fd, void*) noexcept {
  return ::close(fd);
}
int sf_connect(ares_socket_t fd, const sockaddr* addr, ares_socklen_t len, void* data) noexcept {
  const int rc = ::connect(fd, addr, len);
  if (rc < 0) note_errno(data, errno);
  return rc;
}
ares_ssize_t sf_recvfrom(ares_socket_t fd, void* buf, size_t len, int flags, sockaddr* from,
                         ares_socklen_t* from_len, void* data) noexcept {
  const ssize_t n = ::recvfrom(fd, buf, len, flags, from, from_len);
  if (n < 0) note_errno(data, errno);
  if (n > 0) static_cast<Channel*>(data)->last_errno = 0;
  return n;
}
ares_ssize_t sf_sendv(ares_socket_t fd, const iovec* iov, int iovcnt, void* data) noexcept {
  const ssize_t n = ::writev(fd, iov, iovcnt);
  if (n < 0) note_errno(data, errno);
  return n;
}
// c-ares keeps the pointer, not a copy: static storage.
const ares_socket_functions kSocketFunctions{&sf_socket, &sf_close, &sf_connect, &sf_recvfrom,
                                             &sf_sendv};

// ares_query's callback (ares_query(3)): status already reflects the rcode; abuf is the raw
// reply whenever one arrived; dns_reply.cpp reads it.
void on_reply(void* arg, int status, int /*timeouts*/, unsigned char* abuf, int alen) noexcept {
  auto* ref = static_cast<PendingRef*>(arg);
  PendingQuery* p = ref->get();
  if (p->finished || status == ARES_EDESTRUCTION || status == ARES_ECANCELLED) {
    if (!p->finished) p->loop->cancel_timer(p->deadline);
    p->finished = true;
    delete ref;
    return;
  }
  p->finished = true;
  p->loop->cancel_timer(p->deadline);
  try {
    DnsAnswer a = std::move(p->answer);
    a.duration_us = elapsed_us(p->started);
    fill_answer_from_reply(a, status, abuf, alen, p->channel->last_errno);
    // Never run the caller's code inside c-ares: it may start new queries or drop the engine.
    p->loop->post([done = std::move(p->done), a = std::move(a)]() mutable { done(std::move(a)); });
  } catch (...) {
    // Allocation failed: the caller's done is lost; nothing sane is left to report it with.
  }
  delete ref;
}

}  // namespace

Channel* DnsEngine::Impl::channel_for(const ResolverSpec& r, const std::string& transport,
                                      long try_ms, int& status) {
  const ChannelKey key{r.name, transport, try_ms};
  if (auto it = channels.find(key); it != channels.end()) return it->second.get();
  auto ch = std::make_unique<Channel>();
  ch->loop = &loop;
  ares_options opts{};
  // NOCHECKRESP: SERVFAIL/REFUSED/NOTIMP replies are answers to record, not reasons to retry.
  // NOSEARCH + no domains: the name is asked exactly as given. Lookups "b": DNS only, no
  // /etc/hosts (ares_query never reads it anyway).
  opts.flags =
      ARES_FLAG_NOCHECKRESP | ARES_FLAG_NOSEARCH | (transport == "tcp" ? ARES_FLAG_USEVC : 0);
  // Two tries: the second waits twice as long (ares_init_options(3), "timeout doubles"),
  // so try_ms = timeout / 3 ends the query by its timeout with one retransmission.
  opts.timeout = static_cast<int>(try_ms);
  opts.tries = 2;
  opts.ndots = 1;
  opts.domains = nullptr;
  opts.ndomains = 0;
  char lookups[] = "b";
  opts.lookups = lookups;
  // The host's resolv.conf must not shape a measured channel (its "options rotate",
  // "sortlist", search list): read an empty file. The server is set explicitly below.
  char no_conf[] = "/dev/null";
  opts.resolvconf_path = no_conf;
  opts.sock_state_cb = &sock_state_cb;
  opts.sock_state_cb_data = ch.get();
  const int mask = ARES_OPT_FLAGS | ARES_OPT_TIMEOUTMS | ARES_OPT_TRIES | ARES_OPT_NDOTS |
                   ARES_OPT_DOMAINS | ARES_OPT_LOOKUPS | ARES_OPT_SOCK_STATE_CB |
                   ARES_OPT_RESOLVCONF;
  status = ares_init_options(&ch->ares, &opts, mask);
  if (status != ARES_SUCCESS) return nullptr;

  ares_set_socket_functions(ch->ares, &kSocketFunctions, ch.get());
  ares_addr_port_node server{};
  const auto ip = IpAddress::parse(r.address);
  if (!ip) {
    ares_destroy(ch->ares);
    status = ARES_EBADSTR;
    return nullptr;
  }
  if (ip->v4) {
    server.family = AF_INET;
    std::memcpy(&server.addr.addr4, &ip->bytes[12], 4);
  } else {
    server.family = AF_INET6;
    std::memcpy(&server.addr.addr6, ip->bytes.data(), 16);
  }
  server.udp_port = r.port;
  server.tcp_port = r.port;
  status = ares_set_servers_ports(ch->ares, &server);
  if (status != ARES_SUCCESS) {
    ares_destroy(ch->ares);
    return nullptr;
  }
  return channels.emplace(key, std::move(ch)).first->second.get();
}

DnsEngine::Impl::~Impl() {
  for (auto& [key, ch] : channels) {
    // ares_destroy ends pending queries with ARES_EDESTRUCTION (on_reply frees them) and
    // closes sockets through sock_state_cb.
    ares_destroy(ch->ares);
    if (ch->timer) loop.cancel_timer(*ch->timer);
    for (int fd : ch->fds) loop.unwatch(fd);
  }
  ares_library_cleanup();
}

DnsEngine::DnsEngine(EventLoop& loop, const std::vector<ResolverSpec>& resolvers)
    : DnsEngine(loop, resolvers, "/etc/resolv.conf") {}

DnsEngine::DnsEngine(EventLoop& loop, const std::vector<ResolverSpec>& resolvers,
                     const std::string& resolv_conf) {
  ares_library_init(ARES_LIB_INIT_ALL);
  auto specs = resolvers;
  for (auto& r : specs)
    if (r.address.empty()) r.address = first_nameserver(resolv_conf);
  impl_ = std::make_unique<Impl>(loop, std::move(specs));
}

DnsEngine::~DnsEngine() = default;

void DnsEngine::query(const std::string& resolver, const std::string& transport,
                      const std::string& name, const std::string& qtype,
                      std::chrono::milliseconds timeout, std::function<void(DnsAnswer)> done) {
  DnsAnswer a;
  a.resolver = resolver;
  a.transport = transport;
  a.qtype = qtype;
  auto fail_now = [&](FailureInfo f) {
    a.failure = std::move(f);
    impl_->loop.post([done = std::move(done), a = std::move(a)]() mutable { done(std::move(a)); });
  };
  const ResolverSpec* spec = impl_->find(resolver);
  if (spec == nullptr) return fail_now(unknown_failure(Operation::resolve, "unknown resolver"));
  a.resolver_address = spec->address;
  if (qtype != "A" && qtype != "AAAA")
    return fail_now(unknown_failure(Operation::resolve, "unsupported query type " + qtype));
  if (transport != "udp" && transport != "tcp")
    return fail_now(unknown_failure(Operation::resolve, "unsupported transport " + transport));
  // Over TCP c-ares 1.18 never resends a query on the connection it already used (next_server
  // skips it), so the single try gets the whole timeout.
  const long divisor = transport == "tcp" ? 1 : 3;
  const long try_ms = std::max<long>(1, static_cast<long>(timeout.count()) / divisor);
  int status = ARES_SUCCESS;
  Channel* ch = impl_->channel_for(*spec, transport, try_ms, status);
  if (ch == nullptr) return fail_now(failure_from_ares(status));

  auto p = std::make_shared<PendingQuery>(PendingQuery{
      &impl_->loop, ch, std::move(a), std::move(done), 0, std::chrono::steady_clock::now(), false});
  // Our own deadline: c-ares' tries end near the timeout, this guarantees it.
  p->deadline = impl_->loop.add_timer_after(timeout, [p] {
    if (p->finished) return;
    p->finished = true;  // c-ares' late on_reply only drops its reference
    DnsAnswer t = std::move(p->answer);
    t.duration_us = elapsed_us(p->started);
    t.failure = FailureInfo{Failure::generic_timeout_error, Operation::resolve, {}};
    auto cb = std::move(p->done);
    cb(std::move(t));
  });
  ares_query(ch->ares, name.c_str(), ns_c_in, qtype == "A" ? ns_t_a : ns_t_aaaa, &on_reply,
             new PendingRef(p));
  rearm(*ch);
}

void DnsEngine::resolve(const std::string& name, std::chrono::milliseconds timeout,
                        std::function<void(ResolveResult)> done) {
  if (auto ip = IpAddress::parse(name)) {
    ResolveResult r;
    r.addresses.push_back(*ip);
    r.duration_us = 0;
    impl_->loop.post([done = std::move(done), r = std::move(r)]() mutable { done(std::move(r)); });
    return;
  }
  if (impl_->resolvers.empty()) {
    ResolveResult r;
    r.failure = unknown_failure(Operation::resolve, "no resolver configured");
    impl_->loop.post([done = std::move(done), r = std::move(r)]() mutable { done(std::move(r)); });
    return;
  }
  struct Join {
    DnsAnswer a, aaaa;
    int left = 2;
    std::function<void(ResolveResult)> done;
  };
  auto join = std::make_shared<Join>();
  join->done = std::move(done);
  auto finish = [join] {
    if (--join->left > 0) return;
    ResolveResult r;
    r.addresses = join->a.addresses;
    r.addresses.insert(r.addresses.end(), join->aaaa.addresses.begin(), join->aaaa.addresses.end());
    r.duration_us = std::max(join->a.duration_us, join->aaaa.duration_us);
    if (r.addresses.empty()) {
      // The A failure tells more unless it is only "no answer" (an IPv6-only name).
      const bool a_only_empty = join->a.failure.code == Failure::dns_no_answer;
      r.failure =
          a_only_empty && join->aaaa.failure.failed() ? join->aaaa.failure : join->a.failure;
      if (!r.failure.failed()) r.failure = {Failure::dns_no_answer, Operation::resolve, {}};
    }
    r.answers = {std::move(join->a), std::move(join->aaaa)};
    join->done(std::move(r));
  };
  const std::string& resolver = impl_->resolvers.front().name;
  query(resolver, "udp", name, "A", timeout, [join, finish](DnsAnswer x) {
    join->a = std::move(x);
    finish();
  });
  query(resolver, "udp", name, "AAAA", timeout, [join, finish](DnsAnswer x) {
    join->aaaa = std::move(x);
    finish();
  });
}

std::vector<std::string> DnsEngine::resolver_names() const {
  std::vector<std::string> names;
  for (const auto& r : impl_->resolvers) names.push_back(r.name);
  return names;
}

std::vector<std::string> DnsEngine::transports(const std::string& resolver) const {
  const ResolverSpec* r = impl_->find(resolver);
  return r ? r->transports : std::vector<std::string>{};
}

}  // namespace netvigil
