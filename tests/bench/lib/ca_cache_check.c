/* Shows what libcurl's CA-store cache (CURLOPT_CA_CACHE_TIMEOUT, curl >= 7.87) saves per
 * HTTPS connection: N fetches on one multi handle, each a fresh connection, with the
 * build's default CURLOPT_CAPATH kept (Debian: /etc/ssl/certs, which disables the cache)
 * or cleared (cache on). Compare instruction counts under callgrind, or CPU time.
 * Build: cc -O2 -o ca_cache_check ca_cache_check.c -lcurl
 * Usage: ca_cache_check CAFILE N keep|clear [ctxcb]
 * Fetches https://t<i>.bench.test:8443/ (i < N) via 127.0.0.1:8443, 8 at a time; `ctxcb`
 * installs a CURLOPT_SSL_CTX_FUNCTION as netvigil's TLS observer does. */
#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static CURLcode ctx_cb(CURL *e, void *ctx, void *u) { (void)e; (void)ctx; (void)u; return CURLE_OK; }

static size_t sink(char *p, size_t s, size_t n, void *u) { (void)p; (void)u; return s * n; }

int main(int argc, char **argv) {
  if (argc < 4) { fprintf(stderr, "usage: %s CAFILE N keep|clear\n", argv[0]); return 2; }
  const char *ca = argv[1];
  const int n = atoi(argv[2]);
  const int clear = strcmp(argv[3], "clear") == 0;
  const int ctxcb = argc > 4 && strcmp(argv[4], "ctxcb") == 0;
  curl_global_init(CURL_GLOBAL_DEFAULT);
  CURLM *m = curl_multi_init();
  curl_multi_setopt(m, CURLMOPT_MAX_TOTAL_CONNECTIONS, 8L);
  struct curl_slist *to = curl_slist_append(NULL, "::127.0.0.1:8443");
  int ok = 0, added = 0, running = 0, par = 8;
  clock_t c0 = clock();
  while (ok < n) {
    while (added < n && added - ok < par) {
      char url[128];
      snprintf(url, sizeof url, "https://t%05d.bench.test:8443/", added);
      CURL *e = curl_easy_init();
      curl_easy_setopt(e, CURLOPT_URL, url);
      curl_easy_setopt(e, CURLOPT_CONNECT_TO, to);
      curl_easy_setopt(e, CURLOPT_CAINFO, ca);
      if (clear) curl_easy_setopt(e, CURLOPT_CAPATH, NULL);
      if (ctxcb) curl_easy_setopt(e, CURLOPT_SSL_CTX_FUNCTION, ctx_cb);
      curl_easy_setopt(e, CURLOPT_FRESH_CONNECT, 1L);
      curl_easy_setopt(e, CURLOPT_FORBID_REUSE, 1L);
      curl_easy_setopt(e, CURLOPT_SSL_SESSIONID_CACHE, 0L);
      curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, sink);
      curl_easy_setopt(e, CURLOPT_TIMEOUT, 60L);
      curl_multi_add_handle(m, e);
      ++added;
    }
    curl_multi_perform(m, &running);
    curl_multi_poll(m, NULL, 0, 100, NULL);
    CURLMsg *msg;
    int left;
    while ((msg = curl_multi_info_read(m, &left))) {
      if (msg->msg != CURLMSG_DONE) continue;
      if (msg->data.result != CURLE_OK)
        fprintf(stderr, "fetch failed: %s\n", curl_easy_strerror(msg->data.result));
      curl_multi_remove_handle(m, msg->easy_handle);
      curl_easy_cleanup(msg->easy_handle);
      ++ok;
    }
  }
  printf("%d fetches, capath %s%s, cpu %.3f s\n", n, clear ? "cleared" : "default",
         ctxcb ? ", ssl ctx callback" : "",
         (double)(clock() - c0) / CLOCKS_PER_SEC);
  curl_slist_free_all(to);
  curl_multi_cleanup(m);
  curl_global_cleanup();
  return 0;
}
