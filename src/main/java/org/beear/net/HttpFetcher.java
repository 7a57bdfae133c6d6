package org.beear.net;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import java.util.function.LongConsumer;
import javax.net.ssl.SSLContext;
import org.apache.hc.client5.http.classic.methods.HttpGet;
import org.apache.hc.client5.http.config.ConnectionConfig;
import org.apache.hc.client5.http.config.RequestConfig;
import org.apache.hc.client5.http.impl.classic.CloseableHttpClient;
import org.apache.hc.client5.http.impl.classic.HttpClients;
import org.apache.hc.client5.http.impl.io.PoolingHttpClientConnectionManagerBuilder;
import org.apache.hc.client5.http.ssl.DefaultClientTlsStrategy;
import org.apache.hc.core5.http.ClassicHttpResponse;
import org.apache.hc.core5.http.Header;
import org.apache.hc.core5.http.HttpEntity;
import org.apache.hc.core5.http.HttpHeaders;
import org.apache.hc.core5.http.io.SocketConfig;
import org.apache.hc.core5.io.CloseMode;
import org.apache.hc.core5.util.Timeout;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * GETs http(s) URIs under an {@link EgressPolicy} and {@link FetchLimits}: every connection, redirect hops
 * included, goes only to addresses the policy admits (checked by the resolver the client connects through);
 * redirects are followed here, one checked hop at a time, never from https to http; the whole fetch has a deadline
 * and can be cancelled from another thread. Credentials (the URI's user info as Basic, or a {@link FetchRequest}'s
 * bearer token) are sent to the URI's own origin only, never to a redirect's. A request may ask for a byte range, to
 * resume a download that broke off.
 */
public final class HttpFetcher implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(HttpFetcher.class);
  private static final Set<Integer> REDIRECTS = Set.of(301, 302, 303, 307, 308);

  static final String EGRESS_REFUSED = "address not allowed by egress policy";
  static final String NO_CONNECTION = "could not connect to the server";

  private final FetchLimits limits;
  private final CloseableHttpClient client;
  private final ScheduledExecutorService deadlines;

  public HttpFetcher(EgressPolicy policy, FetchLimits limits) {
    this(policy, limits, HostResolver.SYSTEM);
  }

  public HttpFetcher(EgressPolicy policy, FetchLimits limits, HostResolver resolver) {
    this(policy, limits, resolver, null);
  }

  /** @param trust TLS context whose trust store decides which servers are genuine; null: the JVM's default */
  HttpFetcher(EgressPolicy policy, FetchLimits limits, HostResolver resolver, SSLContext trust) {
    this.limits = limits;
    Timeout read = timeout(limits.readTimeout());
    this.client = HttpClients.custom()
        .setConnectionManager(PoolingHttpClientConnectionManagerBuilder.create()
            .setDnsResolver(new EgressDnsResolver(policy, resolver))
            .setTlsSocketStrategy(trust == null ? DefaultClientTlsStrategy.createDefault()
                : new DefaultClientTlsStrategy(trust))
            .setDefaultConnectionConfig(ConnectionConfig.custom()
                .setConnectTimeout(timeout(limits.connectTimeout())).setSocketTimeout(read).build())
            .setDefaultSocketConfig(SocketConfig.custom().setSoTimeout(read).build())
            .build())
        .setDefaultRequestConfig(RequestConfig.custom().setResponseTimeout(read).build())
        // no proxy from system properties (it would be the address connected to), no redirects behind our back,
        // no retries or decompression that would blur what was received
        .disableRedirectHandling()
        .disableAutomaticRetries()
        .disableCookieManagement()
        .disableAuthCaching()
        .disableContentCompression()
        .setUserAgent("beear")
        .build();
    this.deadlines = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "beear-fetch-deadlines");
      t.setDaemon(true);
      return t;
    });
  }

  private static Timeout timeout(Duration d) {
    return Timeout.ofMilliseconds(Math.max(1, d.toMillis()));
  }

  /**
   * Writes the body at {@code uri}, after redirects, to {@code sink}.
   *
   * @return the number of bytes written
   * @throws FetchFailedException    with a message safe to show the caller
   * @throws FetchCancelledException when {@code cancellation} was cancelled
   */
  public long download(URI uri, OutputStream sink, FetchCancellation cancellation) {
    return download(uri, sink, cancellation, length -> { });
  }

  /**
   * {@link #download(URI, OutputStream, FetchCancellation)}, telling {@code beforeBody} the length the final
   * response declares (-1 when it declares none) before the first byte of its body is read: it may throw to refuse
   * the body, e.g. when the disk cannot hold it.
   */
  public long download(URI uri, OutputStream sink, FetchCancellation cancellation, LongConsumer beforeBody) {
    return download(FetchRequest.of(uri), sink, cancellation, head -> {
      if (head.status() / 100 == 2) {
        beforeBody.accept(head.contentLength());
      }
    });
  }

  /**
   * Writes the body of {@code request}, after redirects, to {@code sink}, showing {@code onResponse} the status
   * and headers of every response first (redirects and errors too; a success's before its body is read): it may
   * throw to refuse the body. A response that is neither a success nor a redirect ends the fetch with a
   * {@link FetchStatusException}.
   *
   * @return the number of bytes written
   * @throws FetchFailedException    with a message safe to show the caller
   * @throws FetchCancelledException when {@code cancellation} was cancelled
   */
  public long download(FetchRequest request, OutputStream sink, FetchCancellation cancellation,
      Consumer<ResponseHead> onResponse) {
    URI uri = request.uri();
    requireHttp(uri, uri);
    long deadline = System.nanoTime() + (request.timeLeft() == null ? limits.totalTimeout()
        : request.timeLeft()).toNanos();
    String origin = origin(uri);
    String authorization = request.bearerToken() != null ? "Bearer " + request.bearerToken()
        : basicCredentials(uri) != null ? "Basic " + basicCredentials(uri) : null;
    URI current = uri;
    for (int redirects = 0; ; redirects++) {
      // credentials go to the URI's own origin only: a redirect to a CDN or anywhere else never gets them
      Hop hop = exchange(uri, current, origin.equals(origin(current)) ? authorization : null, request.rangeFrom(),
          sink, deadline, cancellation, onResponse);
      if (hop.location() == null) {
        return hop.bytes();
      }
      if (redirects >= limits.maxRedirects()) {
        throw failed(uri, "too many redirects", "more than " + limits.maxRedirects() + " redirects");
      }
      current = redirectTarget(uri, current, hop.location());
    }
  }

  /** One request: either the body was written ({@code location} null) or the server redirected. */
  private record Hop(long bytes, String location) {}

  private Hop exchange(URI original, URI target, String authorization, long rangeFrom, OutputStream sink,
      long deadline, FetchCancellation cancellation, Consumer<ResponseHead> onResponse) {
    long remaining = deadline - System.nanoTime();
    if (remaining <= 0) {
      throw failed(original, "timed out", "the download timeout ran out between redirects");
    }
    HttpGet get = new HttpGet(withoutUserInfo(target));
    if (authorization != null) {
      get.setHeader(HttpHeaders.AUTHORIZATION, authorization);
    }
    if (rangeFrom > 0) {
      get.setHeader(HttpHeaders.RANGE, "bytes=" + rangeFrom + "-");
    }
    AtomicBoolean timedOut = new AtomicBoolean();
    ScheduledFuture<?> timer = deadlines.schedule(() -> {
      timedOut.set(true);
      get.cancel();
    }, remaining, TimeUnit.NANOSECONDS);
    cancellation.attach(get::cancel);
    ClassicHttpResponse response = null;
    try {
      response = client.executeOpen(null, get, null);
      int code = response.getCode();
      ResponseHead head = head(target, response);
      if (REDIRECTS.contains(code)) {
        onResponse.accept(head);
        Header location = response.getFirstHeader(HttpHeaders.LOCATION);
        if (location == null || location.getValue().isBlank()) {
          throw failed(original, "redirect without a location", "HTTP " + code + " without Location");
        }
        return new Hop(0, location.getValue());
      }
      if (code / 100 != 2) {
        onResponse.accept(head);
        log.warn("fetch of {} failed: HTTP {} from {}", UriRedaction.redact(original.toString()), code,
            UriRedaction.redact(target.toString()));
        throw new FetchStatusException(head);
      }
      return new Hop(copy(original, head, response.getEntity(), sink, cancellation, onResponse), null);
    } catch (IOException e) {
      throw failure(original, e, response != null, timedOut.get(), cancellation);
    } finally {
      timer.cancel(false);
      cancellation.detach();
      // Dropping the connection, not draining it: an unread redirect or error body may be endless.
      get.cancel();
      if (response != null) {
        closeQuietly(response);
      }
    }
  }

  private static ResponseHead head(URI target, ClassicHttpResponse response) {
    Map<String, String> headers = new LinkedHashMap<>();
    for (Header h : response.getHeaders()) {
      headers.putIfAbsent(h.getName().toLowerCase(Locale.ROOT), h.getValue());
    }
    HttpEntity entity = response.getEntity();
    return new ResponseHead(target, response.getCode(), entity == null ? -1 : entity.getContentLength(), headers);
  }

  private long copy(URI original, ResponseHead head, HttpEntity entity, OutputStream sink,
      FetchCancellation cancellation, Consumer<ResponseHead> onResponse) throws IOException {
    if (entity != null && entity.getContentLength() > limits.maxBytes()) {
      throw tooLarge(original, "declared " + entity.getContentLength() + " bytes");
    }
    onResponse.accept(head);
    if (entity == null) {
      return 0;
    }
    long total = 0;
    byte[] buffer = new byte[1 << 16];
    try (InputStream body = entity.getContent()) {
      for (int n; (n = body.read(buffer)) >= 0; ) {
        if (cancellation.isCancelled()) {
          throw new FetchCancelledException();
        }
        total += n;
        if (total > limits.maxBytes()) {
          throw tooLarge(original, "more than " + limits.maxBytes() + " bytes sent");
        }
        sink.write(buffer, 0, n);
      }
    }
    return total;
  }

  /**
   * What a failed exchange tells the caller. Before a response arrived, every network failure (refused, reset,
   * timed out, unknown host, TLS) reads the same, so fetches cannot probe which ports answer.
   */
  private RuntimeException failure(URI original, IOException e, boolean responded, boolean timedOut,
      FetchCancellation cancellation) {
    if (cancellation.isCancelled()) {
      return new FetchCancelledException();
    }
    if (refusedByPolicy(e)) {
      return failed(original, EGRESS_REFUSED, e.getMessage());
    }
    if (!responded) {
      return failed(original, NO_CONNECTION, e.toString());
    }
    if (timedOut || e instanceof SocketTimeoutException) {
      return failed(original, "timed out", (timedOut ? "download timeout: " : "read timeout: ") + e);
    }
    return failed(original, "connection lost during the transfer", e.toString());
  }

  private static boolean refusedByPolicy(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof EgressRefusedException) {
        return true;
      }
    }
    return false;
  }

  private URI redirectTarget(URI original, URI current, String location) {
    URI next;
    try {
      next = current.resolve(new URI(location.trim()));
    } catch (URISyntaxException | IllegalArgumentException e) {
      throw failed(original, "redirect to an invalid location", "Location: " + UriRedaction.redact(location));
    }
    requireHttp(original, next);
    if ("https".equalsIgnoreCase(current.getScheme()) && "http".equalsIgnoreCase(next.getScheme())) {
      throw failed(original, "redirect from https to http refused", "to " + UriRedaction.redact(next.toString()));
    }
    log.debug("fetch of {} redirected to {}", UriRedaction.redact(original.toString()),
        UriRedaction.redact(next.toString()));
    return next;
  }

  private void requireHttp(URI original, URI uri) {
    String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
    if (!scheme.equals("http") && !scheme.equals("https")) {
      throw failed(original, "only http and https can be fetched", "scheme " + scheme);
    }
    if (uri.getHost() == null || uri.getHost().isBlank()) {
      throw failed(original, "the URI has no host", UriRedaction.redact(uri.toString()));
    }
  }

  private FetchFailedException tooLarge(URI original, String detail) {
    return failed(original, "larger than the download cap of " + limits.maxBytes() + " bytes", detail);
  }

  private static FetchFailedException failed(URI original, String reason, String detail) {
    log.warn("fetch of {} failed: {} ({})", UriRedaction.redact(original.toString()), reason, detail);
    return new FetchFailedException(reason, detail);
  }

  private static String origin(URI uri) {
    String scheme = Objects.toString(uri.getScheme(), "").toLowerCase(Locale.ROOT);
    int port = uri.getPort() >= 0 ? uri.getPort() : scheme.equals("https") ? 443 : 80;
    return scheme + "://" + Objects.toString(uri.getHost(), "").toLowerCase(Locale.ROOT) + ":" + port;
  }

  private static String basicCredentials(URI uri) {
    String userInfo = uri.getUserInfo();
    if (userInfo == null) {
      return null;
    }
    return Base64.getEncoder().encodeToString(userInfo.getBytes(StandardCharsets.UTF_8));
  }

  /** The URI as requested: no user info (sent as a header instead) and no fragment (never sent). */
  private static URI withoutUserInfo(URI uri) {
    String authority = uri.getRawAuthority();
    String hostAndPort = authority.substring(authority.lastIndexOf('@') + 1);
    String path = uri.getRawPath() == null || uri.getRawPath().isEmpty() ? "/" : uri.getRawPath();
    return URI.create(uri.getScheme() + "://" + hostAndPort + path
        + (uri.getRawQuery() == null ? "" : "?" + uri.getRawQuery()));
  }

  private static void closeQuietly(AutoCloseable closeable) {
    try {
      closeable.close();
    } catch (Exception ignored) {
      // the connection was already dropped; nothing is left to release
    }
  }

  @Override
  public void close() {
    deadlines.shutdownNow();
    client.close(CloseMode.IMMEDIATE);
  }
}
