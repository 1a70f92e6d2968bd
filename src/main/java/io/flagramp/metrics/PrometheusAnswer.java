package io.flagramp.metrics;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One answer to an instant query ({@code /api/v1/query}), read into the one value or the typed reason
 * there is none. Pure but for a debug line: an HTTP status, a Content-Type and a body's stream in, a
 * number or a {@link QueryFailure} out.
 *
 * <p>The address is chosen by a ScalingChange's author and the messages end up in its status and in
 * Events, so no message may quote a body: otherwise pointing the address at any service in the cluster
 * would read the start of its reply. A reply that is not Prometheus' API envelope is told by its HTTP
 * status and media type alone. The one text kept from a body is the {@code error} of
 * {@code errorType: bad_data}, on one line: Prometheus' verdict on the expression, which the author
 * needs to fix it.
 *
 * <p>The body is read as a stream of tokens as it arrives, never whole and never into a tree, and
 * nothing of it is kept but the envelope's few words and one sample: an answer of any shape costs a
 * few buffers of memory, not its size many times over (an answer of 60,000 series just under 8 MiB,
 * held whole and read into a tree, took over 60 MiB, and a few at once ran a 384 MiB operator out of
 * heap). Every token read is bounded ({@link #MAX_TEXT_CHARS}) and label values are skipped unread.
 * A successful matrix or string is judged by its type and a vector past {@link #MAX_SERIES} series by
 * that count, without reading the rest.
 */
final class PrometheusAnswer {

  private static final Logger log = LoggerFactory.getLogger(PrometheusAnswer.class);

  /** The longest error text kept from Prometheus: enough for a parse error, short for a status line. */
  static final int ERROR_TEXT_CHARS = 160;

  /** Longer than any real media type; a longer one is not shown. */
  static final int MEDIA_TYPE_CHARS = 64;

  /** One value never needs this much; a bigger answer is a wrong query or not Prometheus. */
  static final long MAX_ANSWER_BYTES = 8L * 1024 * 1024;

  /**
   * The series of a vector counted before the answer is judged without the rest: one is the only
   * usable answer, and a count up to here still tells an author how far off the query is (a sum()
   * forgotten over a few hundred pods), while a query over every series of a Prometheus is refused
   * after reading some 100 KiB of it instead of 8 MiB.
   */
  static final int MAX_SERIES = 1000;

  /**
   * The longest string or name read out of a body (the envelope's words, a sample's value, Prometheus'
   * error text); a longer one makes the answer unreadable. Four times a PromQL expression of the
   * schema's 4,096 characters, which Prometheus' own error texts never reach; skipped label values are
   * not read and have no such limit.
   */
  static final int MAX_TEXT_CHARS = 16 * 1024;

  private static final String NOT_PROMETHEUS = "not a Prometheus API answer";

  /** type "/" subtype, with the characters RFC 6838 allows in a name, after lower-casing. */
  private static final Pattern MEDIA_TYPE =
      Pattern.compile("[a-z0-9][a-z0-9!#$&^_.+-]*/[a-z0-9][a-z0-9!#$&^_.+-]*");

  /**
   * Prometheus' error types (web/api/v1 in its source) but {@code bad_data}, in our own words: the
   * type says enough to act on, and naming it quotes nothing but a word from this fixed list.
   */
  private static final Map<String, String> ERROR_TYPES = Map.of(
      "timeout", "the query timed out in Prometheus",
      "canceled", "Prometheus canceled the query",
      "execution", "Prometheus could not execute the query",
      "internal", "Prometheus failed internally",
      "unavailable", "Prometheus is not ready",
      "not_found", "Prometheus found no such API",
      "not_acceptable", "Prometheus found the request not acceptable",
      // prom-label-proxy's own refusals (PromQL it cannot parse, no tenant, a form it cannot read): its
      // text is not quoted, like any reply not Prometheus' verdict on the expression.
      "prom-label-proxy", "the label-enforcing proxy refused the query (PromQL it cannot parse, or no tenant)");

  /**
   * Every string, name and number read is bounded, so no token of a hostile body grows a buffer past
   * {@link #MAX_TEXT_CHARS}; names are not canonicalized, so label names chosen by whoever writes the
   * series are not kept in a table shared by all answers.
   */
  private static final JsonFactory JSON = JsonFactory.builder()
      .disable(JsonFactory.Feature.CANONICALIZE_FIELD_NAMES)
      .streamReadConstraints(StreamReadConstraints.builder()
          .maxStringLength(MAX_TEXT_CHARS).maxNameLength(MAX_TEXT_CHARS).build())
      .build();

  private final String where;
  private final Set<String> credentials;
  private final int status;
  private final String contentType;

  /**
   * @param where names the server in messages, e.g. {@code Prometheus at http://x:9090}
   * @param credentials what was sent to authenticate ({@link PrometheusClient#credentials}): a text from
   *     the server that holds any of it is not shown
   * @param status the HTTP status
   * @param contentType the Content-Type header as the server sent it, or null
   */
  PrometheusAnswer(String where, Set<String> credentials, int status, String contentType) {
    this.where = where;
    this.credentials = credentials;
    this.status = status;
    this.contentType = contentType;
  }

  /**
   * Reads the {@code body} of this answer, as far as it takes to judge it and at most
   * {@link #MAX_ANSWER_BYTES}.
   *
   * @throws InterruptedIOException the body stalled past the call's timeout (or the thread was
   *     interrupted): no answer, which the caller reports as such
   */
  double value(InputStream body) throws QueryFailure, InterruptedIOException {
    if (isRedirect()) {
      throw redirected();
    }
    Envelope root = envelope(body);
    if (root == null) {
      throw notAnApiAnswer("no JSON object with a status");
    }
    if (status / 100 != 2) {
      if (root.status().equals("error")) {
        throw prometheusError(root);
      }
      throw notAnApiAnswer("no error envelope with an error status");
    }
    if (!root.status().equals("success")) {
      throw notAnApiAnswer("no \"status\": \"success\" with HTTP 2xx");
    }
    Result result = root.data().result();
    switch (root.data().resultType() == null ? "" : root.data().resultType()) {
      case "scalar" -> {
        return number(result.asSample());
      }
      case "vector" -> {
        if (!result.isArray()) {
          throw notAnApiAnswer("a vector without a result list");
        }
        if (result.length() == 0) {
          throw new QueryFailure.EmptyResult("query returned no series");
        }
        if (result.length() > MAX_SERIES) {
          throw new QueryFailure.NotASingleValue(result.length(), "query returned over " + MAX_SERIES
              + " series, expected one (an answer is not read past " + MAX_SERIES + ")");
        }
        if (result.length() > 1) {
          throw new QueryFailure.NotASingleValue(result.length(),
              "query returned " + result.length() + " series, expected one");
        }
        return number(result.firstSeriesSample());
      }
      case "matrix" -> throw new QueryFailure.NotASingleValue(0,
          "query returned a matrix (a range vector), expected one value");
      case "string" -> throw new QueryFailure.NotASingleValue(0, "query returned a string, expected one value");
      default -> throw notAnApiAnswer("no known data.resultType");
    }
  }

  /** Any 3xx: Prometheus never redirects an API call, and the client follows none. */
  boolean isRedirect() {
    return status / 100 == 3;
  }

  /**
   * The status alone: the Location and the body are whatever the server at the author's address says,
   * and a ScalingChange's status must not become a way to read them.
   */
  QueryFailure.HttpError redirected() {
    return new QueryFailure.HttpError(status, "HTTP " + status + " from " + where + " (redirects are not followed)");
  }

  /**
   * An answer flagramp cannot read as Prometheus', told by status and media type and a reason of our
   * own: an HttpError for a status other than 2xx, else an UnreadableAnswer.
   *
   * @param why a fixed phrase, never text from the reply
   * @param detail for the debug log only, also never text from the reply
   */
  QueryFailure notPrometheus(String why, String detail) {
    String mediaType = mediaType();
    log.debug("unreadable answer from {} (HTTP {}, {}): {}", where, status, mediaType, detail);
    return status / 100 == 2
        ? new QueryFailure.UnreadableAnswer(
            "unreadable answer from " + where + " (HTTP " + status + ", " + mediaType + "): " + why, null)
        : new QueryFailure.HttpError(status, "HTTP " + status + " from " + where + " (" + mediaType + "): " + why);
  }

  private QueryFailure notAnApiAnswer(String detail) {
    return notPrometheus(NOT_PROMETHEUS, detail);
  }

  /**
   * The media type of the Content-Type header, lower case and without parameters, if it is one token
   * of at most {@link #MEDIA_TYPE_CHARS} characters and holds no credential; else a phrase saying what
   * it is not.
   */
  String mediaType() {
    if (contentType == null || contentType.isBlank()) {
      return "no Content-Type";
    }
    int parameters = contentType.indexOf(';');
    String type = (parameters < 0 ? contentType : contentType.substring(0, parameters))
        .strip().toLowerCase(Locale.ROOT);
    boolean shown = type.length() <= MEDIA_TYPE_CHARS && MEDIA_TYPE.matcher(type).matches()
        && credentials.stream().noneMatch(c -> type.contains(c.strip().toLowerCase(Locale.ROOT)));
    return shown ? type : "an unreadable Content-Type";
  }

  /**
   * What is read of a body: the envelope's words (null where absent or not a string) and what the
   * result is like.
   */
  private record Envelope(String status, String errorType, String error, Data data) {}

  /**
   * {@code data.resultType} (null where absent or not a string) and {@code data.result}.
   *
   * @param judged the answer was judged here, and nothing after was read: it was successful, and its
   *     result a matrix or a string, or a vector past {@link #MAX_SERIES}, which nothing later can
   *     make one value
   */
  private record Data(String resultType, Result result, boolean judged) {
    static final Data ABSENT = new Data(null, Result.NOT_A_LIST, false);
  }

  /**
   * {@code data.result} as far as it is read. JSON does not order an object's fields, so the result may
   * come before its type and is read for both forms a value can take: the list itself as one sample (a
   * scalar, {@code [<time>, "<value>"]}) and the {@code value} of its first element (a vector's first
   * series); each is the sample's value text, or null where the form does not hold.
   *
   * @param length the list's elements, counted to {@link #MAX_SERIES} + 1
   */
  private record Result(boolean isArray, int length, String asSample, String firstSeriesSample) {
    static final Result NOT_A_LIST = new Result(false, 0, null, null);
  }

  /** The body as Prometheus' envelope: a JSON object whose status is a string; else null. */
  private Envelope envelope(InputStream body) throws QueryFailure, InterruptedIOException {
    try (JsonParser json = JSON.createParser(new Body(body))) {
      Envelope root = envelope(json);
      return root != null && root.status() != null ? root : null;
    } catch (Body.TooBig e) {
      throw notPrometheus("body over " + MAX_ANSWER_BYTES / (1024 * 1024) + " MiB", "body over the limit");
    } catch (Body.CutOff e) {
      // The head arrived, the body broke off: an answer, but not a readable one. OkHttp's message on a
      // broken chunked body may quote the bytes it choked on, so it is not kept.
      throw notPrometheus("body cut off", e.getCause().getClass().getSimpleName());
    } catch (InterruptedIOException e) {
      throw e;
    } catch (IOException e) {
      // Jackson's message may quote the body, so neither it nor the exception goes anywhere.
      return null;
    }
  }

  private Envelope envelope(JsonParser json) throws IOException {
    if (json.nextToken() != JsonToken.START_OBJECT) {
      return null;
    }
    String outcome = null;
    String errorType = null;
    String error = null;
    Data data = Data.ABSENT;
    while (json.nextToken() == JsonToken.FIELD_NAME) {
      String field = json.currentName();
      json.nextToken();
      switch (field) {
        case "status" -> outcome = text(json);
        case "errorType" -> errorType = text(json);
        case "error" -> error = text(json);
        case "data" -> data = data(json, status / 100 == 2 && "success".equals(outcome));
        default -> json.skipChildren();
      }
      if (data.judged()) {
        return new Envelope(outcome, errorType, error, data);
      }
    }
    // Trailing tokens mean the body is not one JSON document, however good its start looks.
    return json.nextToken() == null ? new Envelope(outcome, errorType, error, data) : null;
  }

  /**
   * {@code data}: its result type and its result.
   *
   * @param success the envelope said success, with HTTP 2xx, before its data: the result decides
   */
  private static Data data(JsonParser json, boolean success) throws IOException {
    if (json.currentToken() != JsonToken.START_OBJECT) {
      json.skipChildren();
      return Data.ABSENT;
    }
    String resultType = null;
    Result result = Result.NOT_A_LIST;
    while (json.nextToken() == JsonToken.FIELD_NAME) {
      String field = json.currentName();
      json.nextToken();
      if (field.equals("resultType")) {
        resultType = text(json);
      } else if (field.equals("result")) {
        if (success && ("matrix".equals(resultType) || "string".equals(resultType))) {
          return new Data(resultType, Result.NOT_A_LIST, true);
        }
        boolean vector = success && "vector".equals(resultType);
        result = result(json, vector);
        if (vector && result.length() > MAX_SERIES) {
          return new Data(resultType, result, true);
        }
      } else {
        json.skipChildren();
      }
    }
    return new Data(resultType, result, false);
  }

  /**
   * The result list as {@link Result} says; anything else is not a list. Label sets, and every element
   * past the second, are skipped without being read into memory.
   *
   * @param stopPastTheLimit stop reading once the list is past {@link #MAX_SERIES}; else the rest of it
   *     is skipped uncounted
   */
  private static Result result(JsonParser json, boolean stopPastTheLimit) throws IOException {
    if (json.currentToken() != JsonToken.START_ARRAY) {
      json.skipChildren();
      return Result.NOT_A_LIST;
    }
    int length = 0;
    String second = null;
    String firstSeriesSample = null;
    while (json.nextToken() != JsonToken.END_ARRAY) {
      if (length == 0 && json.currentToken() == JsonToken.START_OBJECT) {
        firstSeriesSample = seriesSample(json);
      } else if (length == 1) {
        second = text(json);
      } else {
        json.skipChildren();
      }
      length++;
      if (length > MAX_SERIES) {
        if (!stopPastTheLimit) {
          while (json.nextToken() != JsonToken.END_ARRAY) {
            json.skipChildren();
          }
        }
        break;
      }
    }
    return new Result(true, length, length == 2 ? second : null, firstSeriesSample);
  }

  /** A series' {@code value} as a sample's value text, or null; its {@code metric} is skipped. */
  private static String seriesSample(JsonParser json) throws IOException {
    String sample = null;
    while (json.nextToken() == JsonToken.FIELD_NAME) {
      boolean value = json.currentName().equals("value");
      json.nextToken();
      if (value) {
        sample = sample(json);
      } else {
        json.skipChildren();
      }
    }
    return sample;
  }

  /** {@code [<time>, "<value>"]}'s value text, or null for anything else. */
  private static String sample(JsonParser json) throws IOException {
    if (json.currentToken() != JsonToken.START_ARRAY) {
      json.skipChildren();
      return null;
    }
    int length = 0;
    String value = null;
    while (json.nextToken() != JsonToken.END_ARRAY) {
      if (length == 1) {
        value = text(json);
      } else {
        json.skipChildren();
      }
      length++;
    }
    return length == 2 ? value : null;
  }

  /** The current token as a string, if it is one (at most {@link #MAX_TEXT_CHARS}); else skipped, null. */
  private static String text(JsonParser json) throws IOException {
    if (json.currentToken() == JsonToken.VALUE_STRING) {
      return json.getText();
    }
    json.skipChildren();
    return null;
  }

  /** Prometheus' error envelope: {@code {"status":"error","errorType":"...","error":"..."}}. */
  private QueryFailure prometheusError(Envelope root) {
    String errorType = root.errorType() == null ? "" : root.errorType();
    if (errorType.equals("bad_data")) {
      // Prometheus' verdict on the expression (HTTP 400): the query is wrong, not the server.
      String error = root.error() == null ? "" : root.error();
      if (collapsed(error).isEmpty()) {
        return new QueryFailure.BadQuery("bad PromQL (Prometheus gave no reason)");
      }
      // Prometheus never echoes a request header; a server that does must not get the Secret shown.
      if (credentials.stream().anyMatch(c -> error.contains(c) || collapsed(error).contains(collapsed(c)))) {
        return new QueryFailure.BadQuery("bad PromQL (Prometheus' reason is not shown: it holds a value of the "
            + "auth Secret)");
      }
      return new QueryFailure.BadQuery("bad PromQL: " + oneLine(error));
    }
    String meaning = ERROR_TYPES.get(errorType);
    if (meaning == null) {
      return notAnApiAnswer("an error envelope of no known errorType");
    }
    return new QueryFailure.HttpError(status,
        "HTTP " + status + " from " + where + ": " + meaning + " (errorType " + errorType + ")");
  }

  /**
   * A sample's value as Prometheus writes it, a string; null when the sample was not
   * {@code [<time>, "<value>"]}.
   */
  private double number(String text) throws QueryFailure {
    if (text == null) {
      throw notAnApiAnswer("a sample that is not [time, \"value\"]");
    }
    // Prometheus spells the special values the Go way, which Double.parseDouble does not read.
    switch (text) {
      case "NaN" -> throw new QueryFailure.NotANumber("query returned NaN");
      case "+Inf", "Inf" -> throw new QueryFailure.NotANumber("query returned +Inf");
      case "-Inf" -> throw new QueryFailure.NotANumber("query returned -Inf");
      default -> {
        // an ordinary number, read below
      }
    }
    double value;
    try {
      value = Double.parseDouble(text);
    } catch (NumberFormatException e) {
      throw notAnApiAnswer("a sample value that is not a number");
    }
    if (Double.isNaN(value) || Double.isInfinite(value)) {
      throw new QueryFailure.NotANumber("query returned " + (Double.isNaN(value) ? "NaN" : value > 0 ? "+Inf" : "-Inf"));
    }
    return value;
  }

  /**
   * One line of at most {@link #ERROR_TEXT_CHARS} characters: runs of whitespace, separators and
   * control or format characters (a newline, a bidi override) become one space; a cut ends in "…".
   */
  static String oneLine(String text) {
    String line = collapsed(text);
    if (line.length() <= ERROR_TEXT_CHARS) {
      return line;
    }
    int end = ERROR_TEXT_CHARS - 1;
    if (Character.isHighSurrogate(line.charAt(end - 1))) {
      end--;
    }
    return line.substring(0, end) + "…";
  }

  /** Runs of whitespace, separators and control or format characters as one space, stripped. */
  static String collapsed(String text) {
    return text.replaceAll("[\\s\\p{Z}\\p{C}]+", " ").strip();
  }

  /**
   * The body as the parser reads it: counted against {@link #MAX_ANSWER_BYTES}, and a connection that
   * broke told apart from bytes that do not parse. A stall past the call's timeout passes through as
   * the InterruptedIOException it is.
   */
  private static final class Body extends InputStream {

    private final InputStream in;
    private long read;

    Body(InputStream in) {
      this.in = in;
    }

    @Override
    public int read() throws IOException {
      byte[] one = new byte[1];
      return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] into, int offset, int length) throws IOException {
      int n;
      try {
        n = in.read(into, offset, length);
      } catch (InterruptedIOException e) {
        throw e;
      } catch (IOException e) {
        throw new CutOff(e);
      }
      if (n > 0) {
        read += n;
        if (read > MAX_ANSWER_BYTES) {
          throw new TooBig();
        }
      }
      return n;
    }

    @Override
    public void close() throws IOException {
      in.close();
    }

    /** More than {@link #MAX_ANSWER_BYTES} arrived. */
    static final class TooBig extends IOException {
      TooBig() {
        super(null, null);
      }
    }

    /** The connection failed while the body was arriving. */
    static final class CutOff extends IOException {
      CutOff(IOException cause) {
        super(null, cause);
      }
    }
  }
}
