package io.flagramp.metrics;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.IOException;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One answer to an instant query ({@code /api/v1/query}), read into the one value or the typed reason
 * there is none. Pure but for a debug line: an HTTP status, a Content-Type and a body in, a number or
 * a {@link QueryFailure} out.
 *
 * <p>The address is chosen by a ScalingChange's author and the messages end up in its status and in
 * Events, so no message may quote a body: otherwise pointing the address at any service in the cluster
 * would read the start of its reply. A reply that is not Prometheus' API envelope is told by its HTTP
 * status and media type alone. The one text kept from a body is the {@code error} of
 * {@code errorType: bad_data}, on one line: Prometheus' verdict on the expression, which the author
 * needs to fix it.
 */
final class PrometheusAnswer {

  private static final Logger log = LoggerFactory.getLogger(PrometheusAnswer.class);

  /** The longest error text kept from Prometheus: enough for a parse error, short for a status line. */
  static final int ERROR_TEXT_CHARS = 160;

  /** Longer than any real media type; a longer one is not shown. */
  static final int MEDIA_TYPE_CHARS = 64;

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
      "not_acceptable", "Prometheus found the request not acceptable");

  // Trailing tokens mean the body is not one JSON document, however good its start looks.
  private static final ObjectMapper JSON =
      JsonMapper.builder().enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS).build();

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

  /** Reads the whole {@code body} of this answer. */
  double value(byte[] body) throws QueryFailure {
    if (isRedirect()) {
      throw redirected();
    }
    JsonNode root = envelope(body);
    if (root == null) {
      throw notAnApiAnswer("no JSON object with a status");
    }
    String outcome = root.get("status").asText();
    if (status / 100 != 2) {
      if (outcome.equals("error")) {
        throw prometheusError(root);
      }
      throw notAnApiAnswer("no error envelope with an error status");
    }
    if (!outcome.equals("success")) {
      throw notAnApiAnswer("no \"status\": \"success\" with HTTP 2xx");
    }
    JsonNode data = root.path("data");
    JsonNode result = data.path("result");
    switch (data.path("resultType").asText("")) {
      case "scalar" -> {
        return number(result);
      }
      case "vector" -> {
        if (!result.isArray()) {
          throw notAnApiAnswer("a vector without a result list");
        }
        if (result.isEmpty()) {
          throw new QueryFailure.EmptyResult("query returned no series");
        }
        if (result.size() > 1) {
          throw new QueryFailure.NotASingleValue(result.size(),
              "query returned " + result.size() + " series, expected one");
        }
        return number(result.get(0).path("value"));
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

  /** The body as Prometheus' envelope: a JSON object whose status is a string; else null. */
  private static JsonNode envelope(byte[] body) {
    JsonNode root;
    try {
      root = JSON.readTree(body);
    } catch (IOException e) {
      // Jackson's message may quote the body, so neither it nor the exception goes anywhere.
      return null;
    }
    return root != null && root.isObject() && root.path("status").isTextual() ? root : null;
  }

  /** Prometheus' error envelope: {@code {"status":"error","errorType":"...","error":"..."}}. */
  private QueryFailure prometheusError(JsonNode root) {
    String errorType = root.path("errorType").asText("");
    if (errorType.equals("bad_data")) {
      // Prometheus' verdict on the expression (HTTP 400): the query is wrong, not the server.
      String error = root.path("error").isTextual() ? root.path("error").asText() : "";
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

  /** A sample as Prometheus writes it: {@code [<time>, "<value>"]}, the value a string. */
  private double number(JsonNode sample) throws QueryFailure {
    if (!sample.isArray() || sample.size() != 2 || !sample.get(1).isTextual()) {
      throw notAnApiAnswer("a sample that is not [time, \"value\"]");
    }
    String text = sample.get(1).asText();
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
}
