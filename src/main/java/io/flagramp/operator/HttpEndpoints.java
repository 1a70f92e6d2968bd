package io.flagramp.operator;

import io.prometheus.metrics.exporter.common.PrometheusHttpExchange;
import io.prometheus.metrics.exporter.common.PrometheusHttpRequest;
import io.prometheus.metrics.exporter.common.PrometheusHttpResponse;
import io.prometheus.metrics.exporter.common.PrometheusScrapeHandler;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedSelectorException;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Enumeration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One port for {@code /metrics} (the Prometheus text formats), {@code /healthz} (liveness: the
 * informers are healthy) and {@code /readyz} (readiness: started, and healthy). A replica that is not
 * the leader is ready: it is waiting to take over.
 *
 * <p>Nobody who can open a connection to the port can keep the kubelet from its answer. The JDK's
 * {@code com.sun.net.httpserver} reads a request's head on a pooled thread, blocking, with no deadline
 * but JVM-wide system properties: each connection that sends half a request line holds a thread, and
 * two of them stopped {@code /healthz} for good. Here one thread reads every connection without
 * blocking, so an open connection costs a few bytes, not a thread; each must have sent its request
 * and taken its answer within {@link #DEADLINE} or it is closed; and past {@link #MAX_CONNECTIONS}
 * the oldest one is closed to make room for the new one, so a flood of connections delays a probe by
 * no more than it takes to accept it. The probes are answered on that thread at once. A scrape is
 * rendered on a thread of its own, so a slow or flooding scraper delays only other scrapes.
 *
 * <p>HTTP/1.1, GET and HEAD only, one request per connection ({@code Connection: close}): all a
 * probe and a Prometheus scrape need.
 */
public final class HttpEndpoints implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(HttpEndpoints.class);

  /** How long a connection has to send its request and read the answer. */
  static final Duration DEADLINE = Duration.ofSeconds(10);
  /** Open connections at most; another one closes the oldest. */
  static final int MAX_CONNECTIONS = 512;
  /** The longest request line and headers taken; a longer head is answered 431. */
  static final int MAX_HEAD = 8 * 1024;

  private static final byte[] OK = "ok\n".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] NOT_OK = "not ok\n".getBytes(StandardCharsets.US_ASCII);

  private final ServerSocketChannel server;
  private final Selector selector;
  private final PrometheusScrapeHandler scrapes;
  private final BooleanSupplier live;
  private final BooleanSupplier ready;
  private final long deadlineNanos;
  private final int maxConnections;
  /** Open connections, oldest first: the order of their deadlines, too. Closed ones leave it lazily. */
  private final ArrayDeque<Connection> connections = new ArrayDeque<>();
  /** Scrapes rendered by {@link #scraper}, for the selector thread to send. */
  private final Queue<Rendered> rendered = new ConcurrentLinkedQueue<>();
  private final ByteBuffer readBuffer = ByteBuffer.allocate(4096);
  private final ExecutorService scraper;
  private final Thread loop;
  private volatile boolean open = true;
  private int openConnections;

  private HttpEndpoints(ServerSocketChannel server, Selector selector, PrometheusRegistry registry,
      BooleanSupplier live, BooleanSupplier ready, Duration deadline, int maxConnections) {
    this.server = server;
    this.selector = selector;
    this.scrapes = new PrometheusScrapeHandler(registry);
    this.live = live;
    this.ready = ready;
    this.deadlineNanos = deadline.toNanos();
    this.maxConnections = maxConnections;
    this.scraper = Executors.newSingleThreadExecutor(daemon("flagramp-metrics"));
    this.loop = daemon("flagramp-http").newThread(this::run);
  }

  public static HttpEndpoints start(int port, PrometheusRegistry registry, BooleanSupplier live,
      BooleanSupplier ready) throws IOException {
    return start(port, registry, live, ready, DEADLINE, MAX_CONNECTIONS);
  }

  /** With a deadline and a connection limit of the caller's: tests make them small. */
  static HttpEndpoints start(int port, PrometheusRegistry registry, BooleanSupplier live, BooleanSupplier ready,
      Duration deadline, int maxConnections) throws IOException {
    ServerSocketChannel server = ServerSocketChannel.open();
    Selector selector = Selector.open();
    try {
      // The backlog holds a burst of connections while the loop accepts them.
      server.bind(new InetSocketAddress(port), maxConnections);
      server.configureBlocking(false);
      server.register(selector, SelectionKey.OP_ACCEPT);
    } catch (IOException e) {
      server.close();
      selector.close();
      throw e;
    }
    HttpEndpoints endpoints = new HttpEndpoints(server, selector, registry, live, ready, deadline, maxConnections);
    endpoints.loop.start();
    return endpoints;
  }

  public int port() {
    return server.socket().getLocalPort();
  }

  // ---- the selector thread ----

  private void run() {
    try {
      while (open) {
        selector.select(untilNextDeadline());
        for (SelectionKey key : selector.selectedKeys()) {
          if (!key.isValid()) {
            continue;
          }
          if (key.isAcceptable()) {
            accept();
          } else {
            Connection c = (Connection) key.attachment();
            try {
              if (key.isReadable()) {
                read(c);
              } else if (key.isWritable()) {
                write(c);
              }
            } catch (IOException | RuntimeException e) {
              log.debug("HTTP connection from {} dropped: {}", c.remote(), e.toString());
              close(c);
            }
          }
        }
        selector.selectedKeys().clear();
        for (Rendered r; (r = rendered.poll()) != null; ) {
          if (!r.connection().closed) {
            respond(r.connection(), r.response());
          }
        }
        expire();
      }
    } catch (IOException | ClosedSelectorException e) {
      if (open) {
        log.error("/metrics, /healthz and /readyz stopped: {}", e.toString());
      }
    } finally {
      connections.forEach(this::close);
      closeQuietly(server);
      closeQuietly(selector);
    }
  }

  private long untilNextDeadline() {
    Connection oldest = oldestOpen();
    if (oldest == null) {
      return 0;  // no deadline: until something happens
    }
    return Math.max(1, TimeUnit.NANOSECONDS.toMillis(oldest.deadline - System.nanoTime()) + 1);
  }

  private Connection oldestOpen() {
    while (!connections.isEmpty() && connections.peekFirst().closed) {
      connections.pollFirst();
    }
    return connections.peekFirst();
  }

  private void expire() {
    long now = System.nanoTime();
    for (Connection c = oldestOpen(); c != null && now - c.deadline >= 0; c = oldestOpen()) {
      log.debug("HTTP connection from {} closed: no request and answer within {}", c.remote(), Duration.ofNanos(
          deadlineNanos));
      close(c);
    }
  }

  /** At most as many as may be open in one round, so that a flood of connections cannot hold the loop here. */
  private void accept() throws IOException {
    SocketChannel channel;
    for (int i = 0; i < maxConnections && (channel = server.accept()) != null; i++) {
      if (openConnections >= maxConnections) {
        Connection oldest = oldestOpen();
        log.debug("HTTP connection from {} closed: {} connections are open", oldest.remote(), openConnections);
        close(oldest);
      }
      channel.configureBlocking(false);
      Connection c = new Connection(channel, System.nanoTime() + deadlineNanos);
      c.key = channel.register(selector, SelectionKey.OP_READ, c);
      connections.addLast(c);
      openConnections++;
    }
  }

  /** One read per readiness, so that a client that keeps sending cannot keep the loop from the others. */
  private void read(Connection c) throws IOException {
    readBuffer.clear();
    int n = c.channel.read(readBuffer);
    if (n < 0) {
      close(c);
      return;
    }
    if (c.answered) {
      // After the answer, whatever else comes is read and dropped until the client closes (or the
      // deadline): closing with unread bytes would reset the connection and could lose the answer.
      return;
    }
    Buffer head = c.head;
    int searchFrom = Math.max(0, head.size() - 3);
    head.write(readBuffer.array(), 0, n);
    boolean tooLarge = head.size() > MAX_HEAD;
    if (!tooLarge && !headEnds(head, searchFrom)) {
      return;
    }
    c.key.interestOps(0);
    c.answered = true;
    c.head = null;
    if (tooLarge) {
      respond(c, response(431, "text/plain; charset=utf-8", "request head too large\n"));
    } else {
      handle(c, Request.parse(head.toString(StandardCharsets.ISO_8859_1)));
    }
  }

  /** A blank line ends the head; it may have begun in the bytes read before. */
  private static boolean headEnds(Buffer head, int from) {
    byte[] b = head.bytes();
    for (int i = from; i < head.size(); i++) {
      if (b[i] == '\n' && ((i >= 1 && b[i - 1] == '\n') || (i >= 3 && b[i - 1] == '\r' && b[i - 2] == '\n'
          && b[i - 3] == '\r'))) {
        return true;
      }
    }
    return false;
  }

  private void handle(Connection c, Request request) {
    if (request == null) {
      respond(c, response(400, "text/plain; charset=utf-8", "bad request\n"));
      return;
    }
    boolean probe = request.path().equals("/healthz") || request.path().equals("/readyz");
    if (!probe && !request.path().equals("/metrics")) {
      respond(c, response(404, "text/plain; charset=utf-8", "not found\n"));
      return;
    }
    if (!request.method().equals("GET") && !request.method().equals("HEAD")) {
      respond(c, response(405, "text/plain; charset=utf-8", "only GET and HEAD\n"));
      return;
    }
    if (probe) {
      boolean ok;
      try {
        ok = (request.path().equals("/healthz") ? live : ready).getAsBoolean();
      } catch (RuntimeException e) {
        log.warn("{} could not tell: {}", request.path(), e.toString());
        ok = false;
      }
      Answer answer = new Answer(ok ? 200 : 503, Map.of("Content-Type", "text/plain; charset=utf-8"),
          ok ? OK : NOT_OK);
      respond(c, answer.bytes(request.method().equals("HEAD")));
      return;
    }
    scraper.execute(() -> {
      if (!c.closed) {
        rendered.add(new Rendered(c, scrape(request)));
        selector.wakeup();
      }
    });
  }

  private void respond(Connection c, byte[] response) {
    c.response = ByteBuffer.wrap(response);
    try {
      write(c);
    } catch (IOException e) {
      log.debug("HTTP connection from {} dropped: {}", c.remote(), e.toString());
      close(c);
    }
  }

  private void write(Connection c) throws IOException {
    c.channel.write(c.response);
    if (c.response.hasRemaining()) {
      c.key.interestOps(SelectionKey.OP_WRITE);
      return;
    }
    // Sent: no more to say, and the rest is read and dropped (see read).
    c.channel.shutdownOutput();
    c.key.interestOps(SelectionKey.OP_READ);
  }

  private void close(Connection c) {
    if (c.closed) {
      return;
    }
    c.closed = true;
    c.head = null;
    c.response = null;
    openConnections--;
    if (c.key != null) {
      c.key.cancel();
    }
    closeQuietly(c.channel);
  }

  // ---- the scrape thread ----

  /** The answer to a scrape, by the Prometheus client's own handler (formats, name[] filters, gzip). */
  private byte[] scrape(Request request) {
    Exchange exchange = new Exchange(request);
    try {
      scrapes.handleRequest(exchange);
      return exchange.answer().bytes(request.method().equals("HEAD"));
    } catch (IOException | RuntimeException e) {
      log.warn("/metrics failed: {}", e.toString());
      return response(500, "text/plain; charset=utf-8", "scrape failed\n");
    }
  }

  // ---- HTTP ----

  /** A request line and its headers (names in lower case). */
  record Request(String method, String target, Map<String, List<String>> headers) {

    /** The request of a head; null when it is not HTTP/1.x. */
    static Request parse(String head) {
      String[] lines = head.split("\r?\n");
      if (lines.length == 0) {
        return null;
      }
      String[] first = lines[0].split(" ");
      if (first.length != 3 || !first[2].startsWith("HTTP/1.") || !first[1].startsWith("/")) {
        return null;
      }
      Map<String, List<String>> headers = new LinkedHashMap<>();
      for (int i = 1; i < lines.length; i++) {
        int colon = lines[i].indexOf(':');
        if (colon > 0) {
          headers.computeIfAbsent(lines[i].substring(0, colon).trim().toLowerCase(Locale.ROOT),
              k -> new ArrayList<>()).add(lines[i].substring(colon + 1).trim());
        }
      }
      return new Request(first[0], first[1], headers);
    }

    String path() {
      int q = target.indexOf('?');
      return q < 0 ? target : target.substring(0, q);
    }

    String query() {
      int q = target.indexOf('?');
      return q < 0 ? null : target.substring(q + 1);
    }
  }

  /** A status, headers and a body, as bytes on the wire. */
  record Answer(int status, Map<String, String> headers, byte[] body) {

    byte[] bytes(boolean head) {
      StringBuilder s = new StringBuilder("HTTP/1.1 ").append(status).append(' ').append(reason(status))
          .append("\r\n");
      headers.forEach((name, value) -> s.append(name).append(": ").append(value).append("\r\n"));
      if (headers.keySet().stream().noneMatch(name -> name.equalsIgnoreCase("Content-Length"))) {
        s.append("Content-Length: ").append(body.length).append("\r\n");
      }
      s.append("Connection: close\r\n\r\n");
      byte[] start = s.toString().getBytes(StandardCharsets.ISO_8859_1);
      if (head) {
        return start;
      }
      byte[] all = new byte[start.length + body.length];
      System.arraycopy(start, 0, all, 0, start.length);
      System.arraycopy(body, 0, all, start.length, body.length);
      return all;
    }

    private static String reason(int status) {
      return switch (status) {
        case 200 -> "OK";
        case 400 -> "Bad Request";
        case 404 -> "Not Found";
        case 405 -> "Method Not Allowed";
        case 431 -> "Request Header Fields Too Large";
        case 500 -> "Internal Server Error";
        case 503 -> "Service Unavailable";
        default -> "Status " + status;
      };
    }
  }

  private static byte[] response(int status, String contentType, String body) {
    return new Answer(status, Map.of("Content-Type", contentType), body.getBytes(StandardCharsets.UTF_8))
        .bytes(false);
  }

  /** A request as the Prometheus client's scrape handler reads it, and the answer it writes. */
  private static final class Exchange implements PrometheusHttpExchange {

    private final Request request;
    private final Map<String, String> headers = new LinkedHashMap<>();
    private final ByteArrayOutputStream body = new ByteArrayOutputStream();
    private int status = 500;

    Exchange(Request request) {
      this.request = request;
    }

    Answer answer() {
      // The body's length is known once it is written (but for HEAD, which has none: then the handler's).
      if (!request.method().equals("HEAD")) {
        headers.keySet().removeIf(name -> name.equalsIgnoreCase("Content-Length"));
      }
      return new Answer(status, headers, body.toByteArray());
    }

    @Override
    public PrometheusHttpRequest getRequest() {
      return new PrometheusHttpRequest() {
        @Override
        public String getQueryString() {
          return request.query();
        }

        @Override
        public Enumeration<String> getHeaders(String name) {
          return Collections.enumeration(request.headers().getOrDefault(name.toLowerCase(Locale.ROOT), List.of()));
        }

        @Override
        public String getMethod() {
          return request.method();
        }

        @Override
        public String getRequestPath() {
          return request.path();
        }
      };
    }

    @Override
    public PrometheusHttpResponse getResponse() {
      return new PrometheusHttpResponse() {
        @Override
        public void setHeader(String name, String value) {
          headers.put(name, value);
        }

        @Override
        public OutputStream sendHeadersAndGetBody(int statusCode, int contentLength) {
          status = statusCode;
          return body;
        }
      };
    }

    @Override
    public void handleException(IOException e) throws IOException {
      throw e;
    }

    @Override
    public void handleException(RuntimeException e) {
      throw e;
    }

    @Override
    public void close() {
      // Nothing to release: the answer is sent by the selector thread.
    }
  }

  // ---- plumbing ----

  /** One client's connection: its deadline, the head read so far, the answer being written. */
  private static final class Connection {
    final SocketChannel channel;
    final long deadline;
    /**
     * Null once read whole or closed: a closed connection may wait in the queue for older ones to go,
     * and keeps no bytes meanwhile.
     */
    Buffer head = new Buffer();
    SelectionKey key;
    ByteBuffer response;
    boolean answered;
    /** Set by the selector thread, read by the scrape thread to skip a scrape nobody waits for. */
    volatile boolean closed;

    Connection(SocketChannel channel, long deadline) {
      this.channel = channel;
      this.deadline = deadline;
    }

    String remote() {
      try {
        return String.valueOf(channel.getRemoteAddress());
      } catch (IOException e) {
        return "?";
      }
    }
  }

  /** A growing byte array that lets {@link #headEnds} look at its bytes without a copy. */
  private static final class Buffer extends ByteArrayOutputStream {
    byte[] bytes() {
      return buf;
    }
  }

  private record Rendered(Connection connection, byte[] response) {}

  private static java.util.concurrent.ThreadFactory daemon(String name) {
    return r -> {
      Thread t = new Thread(r, name);
      t.setDaemon(true);
      return t;
    };
  }

  private static void closeQuietly(AutoCloseable c) {
    try {
      c.close();
    } catch (Exception e) {
      // closing anyway
    }
  }

  @Override
  public void close() {
    open = false;
    selector.wakeup();
    try {
      loop.join(TimeUnit.SECONDS.toMillis(5));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    scraper.shutdownNow();
  }
}
