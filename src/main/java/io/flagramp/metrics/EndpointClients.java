package io.flagramp.metrics;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import okhttp3.OkHttpClient;

/**
 * One OkHttp client per distinct (timeout, CA), derived from a single base client so that all of them
 * share its connection pool and threads. They are kept, because building a TLS context for every
 * query would cost more than the query; the number kept is bounded, since a rotated CA leaves its old
 * client behind.
 *
 * <p>None of them follows redirects, whatever the base does: the address comes from a ScalingChange's
 * author, and a redirect would let it send the operator (with the Secret's credentials on a same-host
 * hop) to any URL it names. A 3xx is reported as an answer instead.
 */
final class EndpointClients {

  static final int MAX_CLIENTS = 64;

  private final OkHttpClient base;

  /** Least recently used first, so the oldest goes when the bound is reached. Guarded by itself. */
  private final Map<Key, OkHttpClient> clients = new LinkedHashMap<>(16, 0.75f, true) {
    @Override
    protected boolean removeEldestEntry(Map.Entry<Key, OkHttpClient> eldest) {
      return size() > MAX_CLIENTS;
    }
  };

  /** The CA by its digest: the key stays small, and equal PEM texts give the same client. */
  private record Key(Duration timeout, Optional<String> caSha256) {}

  EndpointClients(OkHttpClient base) {
    this.base = base;
  }

  /**
   * The client for calls bounded by {@code timeout} as a whole and in each phase, trusting exactly the
   * CA in {@code caPem} when present, else the JDK's default trust, and following no redirect.
   *
   * @throws GeneralSecurityException if {@code caPem} holds no usable certificate (not cached, so a
   *     fixed Secret is picked up on the next call)
   */
  OkHttpClient clientFor(Duration timeout, Optional<String> caPem) throws GeneralSecurityException {
    if (timeout.isNegative() || timeout.isZero()) {
      // OkHttp reads zero as "no timeout", which would let a hung Prometheus hold a reconcile forever.
      throw new IllegalArgumentException("a Prometheus timeout must be positive, got " + timeout);
    }
    Key key = new Key(timeout, caPem.map(EndpointClients::sha256));
    synchronized (clients) {
      OkHttpClient client = clients.get(key);
      if (client == null) {
        client = derive(timeout, caPem);
        clients.put(key, client);
      }
      return client;
    }
  }

  int size() {
    synchronized (clients) {
      return clients.size();
    }
  }

  private OkHttpClient derive(Duration timeout, Optional<String> caPem) throws GeneralSecurityException {
    OkHttpClient.Builder builder = base.newBuilder()
        .followRedirects(false)
        .followSslRedirects(false)
        .callTimeout(timeout)
        .connectTimeout(timeout)
        .readTimeout(timeout)
        .writeTimeout(timeout);
    if (caPem.isPresent()) {
      PemTrust trust = PemTrust.of(caPem.get());
      builder.sslSocketFactory(trust.socketFactory(), trust.trustManager());
    }
    return builder.build();
  }

  private static String sha256(String text) {
    try {
      return HexFormat.of().formatHex(
          MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
    } catch (GeneralSecurityException e) {
      // Every JDK must provide SHA-256.
      throw new IllegalStateException(e);
    }
  }
}
