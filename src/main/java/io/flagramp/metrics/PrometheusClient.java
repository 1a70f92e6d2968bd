package io.flagramp.metrics;

import io.flagramp.core.Durations;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.math.BigDecimal;
import java.net.ConnectException;
import java.net.SocketException;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.cert.CertPathBuilderException;
import java.security.cert.CertPathValidatorException;
import java.security.cert.CertificateException;
import java.time.Duration;
import java.util.Base64;
import java.util.HashSet;
import java.util.Optional;
import java.util.Set;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLPeerUnverifiedException;
import okhttp3.Credentials;
import okhttp3.HttpUrl;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link MetricsSource} over Prometheus' HTTP API: one {@code GET /api/v1/query} per query, with the
 * evaluation time sent explicitly, bounded by the endpoint's timeout, authenticated and trusted as its
 * {@link PrometheusEndpoint.Auth} says. Every way it can go wrong ends in a typed {@link QueryFailure}
 * whose message fits a status line, carries no secret, and quotes nothing the server sent but
 * Prometheus' own verdict on bad PromQL (see {@link PrometheusAnswer}): the server is whatever the
 * ScalingChange's author names, and the message is shown to that author. The body is read as it
 * arrives, never held whole, so an answer in flight costs a few buffers whatever its size.
 */
public final class PrometheusClient implements MetricsSource {

  private static final Logger log = LoggerFactory.getLogger(PrometheusClient.class);

  private final EndpointClients clients;

  public PrometheusClient() {
    this(new OkHttpClient());
  }

  /** All calls go through clients derived from {@code base}, sharing its connection pool. */
  public PrometheusClient(OkHttpClient base) {
    this.clients = new EndpointClients(base);
  }

  @Override
  public double query(Query query) throws QueryFailure {
    PrometheusEndpoint endpoint = query.endpoint();
    HttpUrl address = HttpUrl.parse(endpoint.address());
    if (address == null) {
      throw new QueryFailure.Unreachable("Prometheus address " + endpoint.printableAddress()
          + " is not an http(s) URL", null);
    }
    String where = "Prometheus at " + endpoint.printableAddress();
    OkHttpClient client;
    try {
      client = clients.clientFor(endpoint.timeout(), endpoint.auth().caCertificatePem());
    } catch (GeneralSecurityException e) {
      // Neither the message nor the cause: the JDK's parse errors may quote the PEM they choked on.
      throw new QueryFailure.Unreachable(where + " unreachable: TLS failure: the CA certificate (ca.crt) holds no "
          + "usable certificate", null);
    }
    Request request = request(address, query, where);
    long started = System.nanoTime();
    try (Response response = client.newCall(request).execute()) {
      PrometheusAnswer answer = new PrometheusAnswer(where, credentials(endpoint.auth()), response.code(),
          response.header("Content-Type"));
      if (answer.isRedirect()) {
        // Closed unread: neither the body nor the Location header is anyone's concern here.
        throw answer.redirected();
      }
      double value = answer.value(response.body().byteStream());
      log.debug("{} = {} at {} from {} in {} ms", query.promql(), value, query.at(), where,
          (System.nanoTime() - started) / 1_000_000);
      return value;
    } catch (IOException e) {
      throw unreachable(where, endpoint.timeout(), e);
    }
  }

  private static Request request(HttpUrl address, Query query, String where) throws QueryFailure {
    Request.Builder request = new Request.Builder().url(url(address, query)).get()
        .header("Accept", "application/json");
    PrometheusEndpoint.Auth auth = query.endpoint().auth();
    try {
      if (auth.bearerToken().isPresent()) {
        // Secrets written with `echo` end in a newline, which is never part of a token.
        request.header("Authorization", "Bearer " + auth.bearerToken().get().strip());
      } else if (auth.username().isPresent()) {
        request.header("Authorization",
            Credentials.basic(auth.username().get(), auth.password().orElse(""), StandardCharsets.UTF_8));
      }
    } catch (IllegalArgumentException e) {
      // OkHttp leaves the value of an Authorization header out of its message; so do we.
      throw new QueryFailure.Unreachable(where + " not asked: the credentials hold characters an HTTP header "
          + "cannot carry", null);
    }
    return request.build();
  }

  /**
   * The instant query's URL: the address, {@code /api/v1/query}, the expression and the evaluation
   * time; for an endpoint with a {@link PrometheusEndpoint.Tenant}, also {@code <label>=<namespace>},
   * the one value of that parameter. Any the address brings is dropped, however its name is spelt
   * ({@code namesp%61ce=}): prom-label-proxy reads every value of the parameter, decoded, and scopes
   * the query to all of them, so one left in would widen the change's view to another namespace.
   * The address' other parameters are kept, each re-encoded as one parameter, so that no {@code ;}
   * or {@code &} in a value reads as another parameter on the other side.
   */
  static HttpUrl url(HttpUrl address, Query query) {
    HttpUrl.Builder url = address.newBuilder().addPathSegments("api/v1/query");
    Optional<PrometheusEndpoint.Tenant> tenant = query.endpoint().tenant();
    if (tenant.isPresent()) {
      url.query(null);
      for (int i = 0; i < address.querySize(); i++) {
        String name = address.queryParameterName(i);
        if (!name.equals(tenant.get().label())) {
          url.addQueryParameter(name, address.queryParameterValue(i));
        }
      }
    }
    url.addQueryParameter("query", query.promql()).addQueryParameter("time", evaluationTime(query));
    tenant.ifPresent(t -> url.addQueryParameter(t.label(), t.value()));
    return url.build();
  }

  /**
   * Every form in which the Secret's credentials could come back in an answer: as sent in the
   * Authorization header, and each part alone.
   */
  static Set<String> credentials(PrometheusEndpoint.Auth auth) {
    Set<String> credentials = new HashSet<>();
    auth.bearerToken().ifPresent(token -> {
      credentials.add(token);
      credentials.add(token.strip());
    });
    auth.username().ifPresent(credentials::add);
    auth.password().ifPresent(credentials::add);
    if (auth.username().isPresent()) {
      credentials.add(Base64.getEncoder().encodeToString(
          (auth.username().get() + ":" + auth.password().orElse("")).getBytes(StandardCharsets.UTF_8)));
    }
    // Blank values, were there any, would match every text.
    credentials.removeIf(c -> PrometheusAnswer.collapsed(c).isEmpty());
    return credentials;
  }

  /** Unix seconds with millisecond precision, the form Prometheus' {@code time} parameter takes. */
  static String evaluationTime(Query query) {
    return BigDecimal.valueOf(query.at().toEpochMilli(), 3).toPlainString();
  }

  static QueryFailure.Unreachable unreachable(String where, Duration timeout, IOException e) {
    // Kept as the cause only where no byte the server sent can be in its message (see why).
    boolean quotesNoReply = e instanceof InterruptedIOException || e instanceof UnknownHostException
        || e instanceof SocketException || e instanceof SSLException;
    return new QueryFailure.Unreachable(where + " unreachable: " + why(e, timeout), quotesNoReply ? e : null);
  }

  /**
   * Why there was no answer, from the kind of exception. Messages are quoted only where the JDK or the
   * OS wrote them about the connection: OkHttp puts the server's bytes into some (an unexpected status
   * line, a line that never ended), and those name just their type.
   */
  private static String why(IOException e, Duration timeout) {
    if (e instanceof InterruptedIOException) {
      // OkHttp's call timeout, and the socket's connect and read timeouts, all end here.
      return Thread.currentThread().isInterrupted() ? "interrupted" : "timed out after " + Durations.format(timeout);
    }
    if (e instanceof GuardedDns.Refused) {
      return e.getMessage();
    }
    if (e instanceof UnknownHostException) {
      return "unknown host";
    }
    if (e instanceof ConnectException) {
      return "cannot connect (" + rootMessage(e) + ")";
    }
    if (e instanceof SSLPeerUnverifiedException) {
      return "TLS failure: its certificate is not for this host name";
    }
    if (e instanceof SSLException) {
      return causedBy(e, CertPathBuilderException.class) || causedBy(e, CertPathValidatorException.class)
          || causedBy(e, CertificateException.class)
          ? "TLS failure: its certificate is not signed by a trusted CA"
          : "TLS failure: " + rootMessage(e);
    }
    if (e instanceof SocketException) {
      return "connection failed (" + rootMessage(e) + ")";
    }
    return "no HTTP answer (" + e.getClass().getSimpleName() + ")";
  }

  private static boolean causedBy(Throwable e, Class<? extends Throwable> type) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (type.isInstance(t)) {
        return true;
      }
    }
    return false;
  }

  private static String rootMessage(Throwable e) {
    Throwable root = e;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    String message = root.getMessage() != null ? root.getMessage() : e.getMessage();
    return PrometheusAnswer.oneLine(message != null ? message : root.getClass().getSimpleName());
  }

}
