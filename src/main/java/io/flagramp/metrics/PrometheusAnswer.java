package io.flagramp.metrics;

import com.fasterxml.jackson.core.io.JsonEOFException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;

/**
 * Reads Prometheus' answer to an instant query ({@code /api/v1/query}): the one value, or the typed
 * reason there is none. Pure: an HTTP status and a body in, a number or a {@link QueryFailure} out.
 */
final class PrometheusAnswer {

  /** Long enough to recognise a proxy's error page, short enough for a status line. */
  static final int EXCERPT_CHARS = 160;

  // Trailing tokens mean the body is not one JSON document, however good its start looks.
  private static final ObjectMapper JSON =
      JsonMapper.builder().enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS).build();

  private PrometheusAnswer() {}

  /**
   * @param status the HTTP status
   * @param body the whole body
   * @param where names the server in messages, e.g. {@code Prometheus at http://x:9090}
   */
  static double read(int status, byte[] body, String where) throws QueryFailure {
    if (isRedirect(status)) {
      throw redirected(status, where);
    }
    JsonNode root = null;
    IOException unparsable = null;
    try {
      root = JSON.readTree(body);
    } catch (IOException e) {
      // An error status with a proxy's HTML page is still an HTTP error, so this is judged below.
      unparsable = e;
    }
    boolean isObject = root != null && root.isObject();
    if (isObject && "bad_data".equals(root.path("errorType").asText())) {
      // Prometheus' verdict on the expression (HTTP 400): the query is wrong, not the server.
      throw new QueryFailure.BadQuery("bad PromQL: " + oneLine(root.path("error").asText("(no error text)")));
    }
    if (status / 100 != 2) {
      String detail = isObject && root.hasNonNull("error") ? oneLine(root.get("error").asText()) : excerpt(body);
      throw new QueryFailure.HttpError(status,
          "HTTP " + status + " from " + where + (detail.isEmpty() ? "" : ": " + detail));
    }
    if (unparsable != null) {
      throw unreadable(where, status, unparsable instanceof JsonEOFException ? "JSON cut off" : "not JSON", body,
          unparsable);
    }
    if (!isObject) {
      throw unreadable(where, status, "not a JSON object", body, null);
    }
    if (!"success".equals(root.path("status").asText())) {
      String error = root.path("error").asText("");
      throw unreadable(where, status,
          error.isEmpty() ? "no \"status\": \"success\"" : "status " + root.path("status").asText() + ": " + oneLine(error),
          body, null);
    }
    JsonNode data = root.path("data");
    JsonNode result = data.path("result");
    String resultType = data.path("resultType").asText("");
    switch (resultType) {
      case "scalar" -> {
        return number(result, where, status, body);
      }
      case "vector" -> {
        if (!result.isArray()) {
          throw unreadable(where, status, "a vector without a result list", body, null);
        }
        if (result.isEmpty()) {
          throw new QueryFailure.EmptyResult("query returned no series");
        }
        if (result.size() > 1) {
          throw new QueryFailure.NotASingleValue(result.size(),
              "query returned " + result.size() + " series, expected one");
        }
        return number(result.get(0).path("value"), where, status, body);
      }
      case "matrix" -> throw new QueryFailure.NotASingleValue(0,
          "query returned a matrix (a range vector), expected one value");
      case "string" -> throw new QueryFailure.NotASingleValue(0, "query returned a string, expected one value");
      default -> throw unreadable(where, status,
          resultType.isEmpty() ? "no data.resultType" : "unknown resultType " + oneLine(resultType), body, null);
    }
  }

  /** Any 3xx: Prometheus never redirects an API call, and the client follows none. */
  static boolean isRedirect(int status) {
    return status / 100 == 3;
  }

  /**
   * The status alone: the Location and the body are whatever the server at the author's address says,
   * and a ScalingChange's status must not become a way to read them.
   */
  static QueryFailure.HttpError redirected(int status, String where) {
    return new QueryFailure.HttpError(status, "HTTP " + status + " from " + where + " (redirects are not followed)");
  }

  /** A sample as Prometheus writes it: {@code [<time>, "<value>"]}, the value a string. */
  private static double number(JsonNode sample, String where, int status, byte[] body) throws QueryFailure {
    if (!sample.isArray() || sample.size() != 2 || !sample.get(1).isTextual()) {
      throw unreadable(where, status, "a sample that is not [time, \"value\"]", body, null);
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
      throw unreadable(where, status, "the value " + oneLine(text) + " is not a number", body, e);
    }
    if (Double.isNaN(value) || Double.isInfinite(value)) {
      throw new QueryFailure.NotANumber("query returned " + (Double.isNaN(value) ? "NaN" : value > 0 ? "+Inf" : "-Inf"));
    }
    return value;
  }

  private static QueryFailure.UnreadableAnswer unreadable(String where, int status, String why, byte[] body,
      Throwable cause) {
    String excerpt = excerpt(body);
    return new QueryFailure.UnreadableAnswer("unreadable answer from " + where + " (HTTP " + status + ", " + why
        + ")" + (excerpt.isEmpty() ? ": empty body" : ": " + excerpt), cause);
  }

  /** The start of a body on one line, for a status line. */
  static String excerpt(byte[] body) {
    return oneLine(new String(body, 0, Math.min(body.length, EXCERPT_CHARS * 4), StandardCharsets.UTF_8));
  }

  /** Whitespace runs (newlines included) as one space, cut to {@link #EXCERPT_CHARS}. */
  static String oneLine(String text) {
    String line = text.strip().replaceAll("\\s+", " ");
    return line.length() <= EXCERPT_CHARS ? line : line.substring(0, EXCERPT_CHARS) + "…";
  }
}
