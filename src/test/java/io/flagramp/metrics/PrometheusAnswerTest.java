package io.flagramp.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.InterruptedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Consumer;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Prometheus' answers as it writes them (copied from a real 2.42), and what flagramp makes of them;
 * and any other reply, of which no message may quote a word.
 */
class PrometheusAnswerTest {

  private static final String WHERE = "Prometheus at http://prometheus:9090";
  /** Stands for anything a server that is not Prometheus says: it must never reach a message. */
  private static final String MARKER = "body-marker-7f3a9c";
  /** The forms of basic auth as alice with the password secret, as the client would pass them. */
  private static final Set<String> ALICE = PrometheusClient.credentials(new PrometheusEndpoint.Auth(
      Optional.empty(), Optional.of("alice"), Optional.of("secret"), Optional.empty()));

  @Test
  void aSingleElementVectorYieldsItsValue() throws QueryFailure, InterruptedIOException {
    assertThat(read(200, """
        {"status":"success","data":{"resultType":"vector","result":[{"metric":{},"value":[1700000000.123,"7.25"]}]}}
        """)).isEqualTo(7.25);
  }

  @Test
  void aScalarYieldsItsValue() throws QueryFailure, InterruptedIOException {
    assertThat(read(200, """
        {"status":"success","data":{"resultType":"scalar","result":[1700000000.123,"-42e-3"]}}""")).isEqualTo(-0.042);
  }

  @ParameterizedTest
  @CsvSource({"NaN, query returned NaN", "+Inf, query returned +Inf", "-Inf, query returned -Inf"})
  void specialValuesAreNotANumberAndCountAsNoData(String value, String message) {
    assertThatThrownBy(() -> read(200,
        "{\"status\":\"success\",\"data\":{\"resultType\":\"vector\",\"result\":[{\"metric\":{},\"value\":[1,\""
            + value + "\"]}]}}"))
        .isInstanceOfSatisfying(QueryFailure.NotANumber.class, f -> assertThat(f.isNoData()).isTrue())
        .hasMessage(message);
  }

  @Test
  void anEmptyVectorIsAnEmptyResult() {
    assertThatThrownBy(() -> read(200, """
        {"status":"success","data":{"resultType":"vector","result":[]}}"""))
        .isInstanceOfSatisfying(QueryFailure.EmptyResult.class, f -> assertThat(f.isNoData()).isTrue())
        .hasMessage("query returned no series");
  }

  @Test
  void severalSeriesAreNotASingleValueCarryingTheCount() {
    assertThatThrownBy(() -> read(200, """
        {"status":"success","data":{"resultType":"vector","result":[
          {"metric":{"a":"1"},"value":[1,"1"]},{"metric":{"a":"2"},"value":[1,"2"]},{"metric":{"a":"3"},"value":[1,"3"]}]}}"""))
        .isInstanceOfSatisfying(QueryFailure.NotASingleValue.class, f -> assertThat(f.series()).isEqualTo(3))
        .hasMessage("query returned 3 series, expected one");
  }

  @Test
  void aVectorPastTheSeriesLimitIsNotASingleValueNamingTheLimitAndTheRestIsNotRead() {
    String body = "{\"status\":\"success\",\"data\":{\"resultType\":\"vector\",\"result\":["
        + series(PrometheusAnswer.MAX_SERIES + 1) + "," + MARKER + " and no more JSON";
    ReadCount count = new ReadCount(body + " ".repeat(64 * 1024));

    assertThatThrownBy(() -> new PrometheusAnswer(WHERE, Set.of(), 200, "application/json").value(count))
        .isInstanceOfSatisfying(QueryFailure.NotASingleValue.class,
            f -> assertThat(f.series()).isEqualTo(PrometheusAnswer.MAX_SERIES + 1))
        .hasMessage("query returned over 1000 series, expected one (an answer is not read past 1000)");
    assertThat(count.unread()).as("bytes never read").isPositive();
  }

  @Test
  void aMatrixIsJudgedByItsTypeWithoutReadingItsResult() {
    String body = "{\"status\":\"success\",\"data\":{\"resultType\":\"matrix\",\"result\":[" + MARKER;
    ReadCount count = new ReadCount(body + " ".repeat(64 * 1024));

    assertThatThrownBy(() -> new PrometheusAnswer(WHERE, Set.of(), 200, "application/json").value(count))
        .isInstanceOf(QueryFailure.NotASingleValue.class)
        .hasMessage("query returned a matrix (a range vector), expected one value");
    assertThat(count.unread()).as("bytes never read").isPositive();
  }

  /** JSON does not order an object's fields: an answer reads the same whatever order they come in. */
  @Test
  void theResultMayComeBeforeItsTypeAndTheStatusLast() throws Exception {
    assertThat(read(200, """
        {"data":{"result":[{"value":[1,"7.25"],"metric":{"a":"b"}}],"resultType":"vector"},"status":"success"}"""))
        .isEqualTo(7.25);
    assertThat(read(200, """
        {"data":{"result":[1,"-3"],"resultType":"scalar"},"status":"success"}""")).isEqualTo(-3);
    assertThatThrownBy(() -> read(200, "{\"data\":{\"result\":[" + series(1500) + "],\"resultType\":\"vector\"},"
        + "\"status\":\"success\"}"))
        .isInstanceOfSatisfying(QueryFailure.NotASingleValue.class,
            f -> assertThat(f.series()).isEqualTo(PrometheusAnswer.MAX_SERIES + 1));
    assertThatThrownBy(() -> read(200, "{\"data\":{\"result\":[" + series(1500) + "],\"resultType\":\"vector\"},"
        + "\"status\":\"success\"} " + MARKER))
        .as("read to the end, when its status came last")
        .isInstanceOf(QueryFailure.UnreadableAnswer.class);
  }

  @Test
  void oneSeriesWithMegabytesOfLabelsYieldsItsValue() throws Exception {
    String labels = "\"big\":\"" + "x".repeat(6 * 1024 * 1024) + "\"," + IntStream.range(0, 20_000)
        .mapToObj(i -> "\"label_" + i + "\":\"" + MARKER + "\"").collect(Collectors.joining(","));

    assertThat(read(200, "{\"status\":\"success\",\"data\":{\"resultType\":\"vector\",\"result\":[{\"metric\":{"
        + labels + "},\"value\":[1,\"42\"]}]}}")).isEqualTo(42);
  }

  @Test
  void aTextLongerThanAnyPrometheusSendsMakesTheAnswerUnreadable() {
    String error = "parse error: " + "x".repeat(PrometheusAnswer.MAX_TEXT_CHARS);

    assertThatThrownBy(() -> read(400, "{\"status\":\"error\",\"errorType\":\"bad_data\",\"error\":\"" + error + "\"}"))
        .isInstanceOf(QueryFailure.HttpError.class)
        .hasMessage("HTTP 400 from " + WHERE + " (application/json): not a Prometheus API answer");
  }

  /**
   * Huge answers, generated from a fixed seed: tens of thousands of series, label sets of megabytes,
   * error texts, numbers and nestings far past any Prometheus', bodies cut off or past the byte limit,
   * with the marker wherever a server could put text. Each is judged as its kind says, no message
   * quotes it, and none is read past the byte limit (plus one buffer).
   */
  @Test
  void hugeGeneratedAnswersAreEachJudgedWithoutQuotingThemOrReadingPastTheLimit() {
    Random random = new Random(SEED);
    Map<String, Integer> kinds = new TreeMap<>();
    for (int i = 0; i < HUGE_ANSWERS; i++) {
      Huge huge = Huge.generate(random);
      ReadCount body = new ReadCount(huge.body());
      Object outcome;
      try {
        outcome = new PrometheusAnswer(WHERE, Set.of(), huge.status(), "application/json").value(body);
      } catch (QueryFailure | InterruptedIOException f) {
        outcome = f;
      }
      assertThat(outcome).as("%s (answer %d, %d bytes)", huge.kind(), i, huge.body().length).satisfies(huge.judged());
      if (outcome instanceof QueryFailure f) {
        assertThat(f.getMessage()).as(huge.kind()).doesNotContain(MARKER);
      }
      assertThat(body.bytesRead()).as(huge.kind() + ": bytes read")
          .isLessThanOrEqualTo(PrometheusAnswer.MAX_ANSWER_BYTES + 64 * 1024);
      kinds.merge(huge.kind(), 1, Integer::sum);
    }
    assertThat(kinds).as("every kind was generated").hasSize(Huge.KINDS);
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "{\"status\":\"success\",\"data\":{\"resultType\":\"matrix\",\"result\":[{\"metric\":{},\"values\":[[1,\"1\"]]}]}}"
          + "| query returned a matrix (a range vector), expected one value",
      "{\"status\":\"success\",\"data\":{\"resultType\":\"string\",\"result\":[1,\"text\"]}}"
          + "| query returned a string, expected one value"})
  void aMatrixOrAStringIsNotASingleValueNamingItsType(String body, String message) {
    assertThatThrownBy(() -> read(200, body))
        .isInstanceOfSatisfying(QueryFailure.NotASingleValue.class, f -> assertThat(f.series()).isZero())
        .hasMessage(message);
  }

  @Test
  void badDataIsABadQueryWithPrometheusOwnText() {
    assertThatThrownBy(() -> read(400, """
        {"status":"error","errorType":"bad_data","error":"invalid parameter \\"query\\": 1:6: parse error: unclosed left parenthesis"}"""))
        .isInstanceOf(QueryFailure.BadQuery.class)
        .hasMessage("bad PromQL: invalid parameter \"query\": 1:6: parse error: unclosed left parenthesis");
  }

  @Test
  void badDataTextIsCutToOneLineOfAtMost160Characters() {
    String error = "parse error:\n\tunexpected\u202e character" + "x".repeat(400);

    assertThatThrownBy(() -> read(400, "{\"status\":\"error\",\"errorType\":\"bad_data\",\"error\":\""
        + error.replace("\n", "\\n").replace("\t", "\\t") + "\"}"))
        .isInstanceOf(QueryFailure.BadQuery.class)
        .satisfies(f -> assertThat(f.getMessage())
            .startsWith("bad PromQL: parse error: unexpected characterxxx")
            .endsWith("x…")
            .hasSize("bad PromQL: ".length() + PrometheusAnswer.ERROR_TEXT_CHARS)
            .doesNotContain("\n", "\t", "\u202e"));
  }

  @Test
  void badDataTextHoldingACredentialIsNotShown() {
    String body = """
        {"status":"error","errorType":"bad_data","error":"1:1: parse error: unexpected \\"Basic YWxpY2U6c2VjcmV0\\""}""";

    assertThatThrownBy(() -> new PrometheusAnswer(WHERE, ALICE, 400, "application/json")
            .value(new ByteArrayInputStream(body.getBytes(StandardCharsets.UTF_8))))
        .isInstanceOf(QueryFailure.BadQuery.class)
        .hasMessage("bad PromQL (Prometheus' reason is not shown: it holds a value of the auth Secret)");
  }

  @Test
  void badDataWithoutTextSaysSo() {
    assertThatThrownBy(() -> read(400, """
        {"status":"error","errorType":"bad_data","error":" \\n "}"""))
        .isInstanceOf(QueryFailure.BadQuery.class)
        .hasMessage("bad PromQL (Prometheus gave no reason)");
  }

  @Test
  void anyOtherPrometheusErrorNamesItsTypeButNotItsText() {
    assertThatThrownBy(() -> read(422, """
        {"status":"error","errorType":"execution","error":"found duplicate series for the match group"}"""))
        .isInstanceOfSatisfying(QueryFailure.HttpError.class, f -> assertThat(f.status()).isEqualTo(422))
        .hasMessage("HTTP 422 from Prometheus at http://prometheus:9090: Prometheus could not execute the query "
            + "(errorType execution)");
    assertThatThrownBy(() -> read(503, """
        {"status":"error","errorType":"unavailable","error":"TSDB not ready"}"""))
        .isInstanceOfSatisfying(QueryFailure.HttpError.class, f -> assertThat(f.status()).isEqualTo(503))
        .hasMessage("HTTP 503 from Prometheus at http://prometheus:9090: Prometheus is not ready (errorType unavailable)");
  }

  @Test
  void aRefusalOfTheLabelEnforcingProxyIsNamedAsSuchWithoutItsText() {
    assertThatThrownBy(() -> read(400, """
        {"error":"failed to parse query string: 1:5: parse error: unclosed left parenthesis","errorType":"prom-label-proxy","status":"error"}"""))
        .isInstanceOfSatisfying(QueryFailure.HttpError.class, f -> assertThat(f.status()).isEqualTo(400))
        .hasMessage("HTTP 400 from Prometheus at http://prometheus:9090: the label-enforcing proxy refused the query"
            + " (PromQL it cannot parse, or no tenant) (errorType prom-label-proxy)");
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "502| text/html; charset=utf-8| <html><body><h1>502 Bad Gateway</h1>" + MARKER + "</body></html>| text/html",
      "401| text/plain| Unauthorized: " + MARKER + "| text/plain",
      "404| | " + MARKER + "| no Content-Type",
      "500| application/json| {\"message\":\"" + MARKER + "\"}| application/json",
      "500| application/json| {\"status\":\"error\",\"errorType\":\"" + MARKER + "\",\"error\":\"" + MARKER
          + "\"}| application/json",
      "503| application/json| {\"status\":\"success\",\"data\":\"" + MARKER + "\"}| application/json"})
  void anHttpErrorWithoutPrometheusErrorIsToldByStatusAndMediaTypeOnly(int status, String contentType, String body,
      String mediaType) {
    assertThatThrownBy(() -> read(status, contentType, body))
        .isInstanceOfSatisfying(QueryFailure.HttpError.class, f -> assertThat(f.status()).isEqualTo(status))
        .hasMessage("HTTP " + status + " from " + WHERE + " (" + mediaType + "): not a Prometheus API answer");
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "<html>login " + MARKER + "</html>",
      "''",
      "{\"status\":\"success\",\"data\":{\"resultType\":\"vector\",\"res " + MARKER,
      "{\"status\":\"success\"} " + MARKER,
      "[\"" + MARKER + "\"]",
      "{\"data\":{},\"" + MARKER + "\":1}",
      "{\"status\":\"" + MARKER + "\"}",
      "{\"status\":\"error\",\"errorType\":\"bad_data\",\"error\":\"" + MARKER + "\"}",
      "{\"status\":\"success\",\"data\":{}}",
      "{\"status\":\"success\",\"data\":{\"resultType\":\"" + MARKER + "\",\"result\":[]}}",
      "{\"status\":\"success\",\"data\":{\"resultType\":\"vector\",\"result\":\"" + MARKER + "\"}}",
      "{\"status\":\"success\",\"data\":{\"resultType\":\"vector\",\"result\":[{\"value\":[1,2]}]}}",
      "{\"status\":\"success\",\"data\":{\"resultType\":\"scalar\",\"result\":[1,\"" + MARKER + "\"]}}"})
  void anyOtherAnswerIsUnreadableToldByStatusAndMediaTypeOnly(String body) {
    assertThatThrownBy(() -> read(200, "text/html", body))
        .isInstanceOf(QueryFailure.UnreadableAnswer.class)
        .hasMessage("unreadable answer from " + WHERE + " (HTTP 200, text/html): not a Prometheus API answer");
  }

  @Test
  void aRedirectIsAnHttpErrorSayingItIsNotFollowedAndNothingOfTheBody() {
    assertThatThrownBy(() -> read(302, "text/html", "<a href=\"http://elsewhere/\">moved here</a>"))
        .isInstanceOfSatisfying(QueryFailure.HttpError.class, f -> assertThat(f.status()).isEqualTo(302))
        .hasMessage("HTTP 302 from Prometheus at http://prometheus:9090 (redirects are not followed)");
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', nullValues = "null", value = {
      "application/json| application/json",
      "Application/JSON ; charset=utf-8| application/json",
      "text/html;charset=\"<script>\"| text/html",
      "null| no Content-Type",
      "'   '| no Content-Type",
      "text/html secret| an unreadable Content-Type",
      "<script>alert(1)</script>| an unreadable Content-Type",
      "text/htmlé| an unreadable Content-Type",
      "'text/html\u0007'| an unreadable Content-Type",
      "application/vnd.flagramp.aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa+json| an unreadable Content-Type"})
  void aContentTypeIsShownAsOneMediaTypeToken(String header, String shown) {
    assertThat(new PrometheusAnswer(WHERE, Set.of(), 200, header).mediaType()).isEqualTo(shown);
  }

  @Test
  void aMediaTypeHoldingACredentialIsNotShown() {
    assertThat(new PrometheusAnswer(WHERE, ALICE, 200, "text/x-alice").mediaType())
        .isEqualTo("an unreadable Content-Type");
  }

  private static double read(int status, String body) throws QueryFailure, InterruptedIOException {
    return read(status, "application/json", body);
  }

  private static double read(int status, String contentType, String body) throws QueryFailure, InterruptedIOException {
    return new PrometheusAnswer(WHERE, Set.of(), status, contentType)
        .value(new ByteArrayInputStream(body.getBytes(StandardCharsets.UTF_8)));
  }

  private static final long SEED = 20261206L;
  private static final int HUGE_ANSWERS = 40;

  /** {@code n} series, comma-separated, each with a label holding the marker. */
  private static String series(int n) {
    return IntStream.range(0, n).mapToObj(i -> "{\"metric\":{\"pod\":\"" + MARKER + "-" + i + "\"},\"value\":[1,\""
        + i + "\"]}").collect(Collectors.joining(","));
  }

  /** A body that counts how much of it was read. */
  private static final class ReadCount extends ByteArrayInputStream {
    private final int size;

    ReadCount(String body) {
      this(body.getBytes(StandardCharsets.UTF_8));
    }

    ReadCount(byte[] body) {
      super(body);
      this.size = body.length;
    }

    long bytesRead() {
      return pos;
    }

    long unread() {
      return size - pos;
    }
  }

  /** One generated answer: its kind, HTTP status, body, and what it must be judged. */
  private record Huge(String kind, int status, byte[] body, Consumer<Object> judged) {

    static final int KINDS = 9;
    private static final String VECTOR = "{\"status\":\"success\",\"data\":{\"resultType\":\"vector\",\"result\":[";
    private static final String END = "]}}";

    static Huge generate(Random random) {
      return switch (random.nextInt(KINDS)) {
        case 0 -> {
          // Many series, as {__name__=~".+"} gets: counted to the limit, the rest unread.
          int n = new int[] {2, 999, 1000, 1001, 60_000}[random.nextInt(5)];
          StringBuilder body = new StringBuilder(VECTOR);
          for (int i = 0; i < n; i++) {
            body.append(i == 0 ? "" : ",").append("{\"metric\":{\"__name__\":\"m_").append(MARKER)
                .append("\",\"pod\":\"").append(text(random, 1 + random.nextInt(80))).append("\"},\"value\":[1700000000.5,\"")
                .append(i).append("\"]}");
          }
          int counted = Math.min(n, PrometheusAnswer.MAX_SERIES + 1);
          yield new Huge("many series", 200, bytes(body.append(END)), notASingleValue(counted));
        }
        case 1 -> {
          // One series whose labels are megabytes: a value, its labels never read.
          int size = (1 + random.nextInt(7)) * 1024 * 1024;
          yield new Huge("one series, huge labels", 200, bytes(VECTOR + "{\"metric\":{\"a\":\"" + text(random, size)
              + "\"},\"value\":[1,\"3.5\"]}" + END), value(3.5));
        }
        case 2 -> {
          // Prometheus' bad_data text: shown (cut) up to the text limit, unreadable past it.
          int length = new int[] {200, PrometheusAnswer.MAX_TEXT_CHARS - 100, PrometheusAnswer.MAX_TEXT_CHARS + 1,
              4 * 1024 * 1024}[random.nextInt(4)];
          String error = "x".repeat(200) + MARKER + text(random, length - 200 - MARKER.length());
          yield new Huge("long bad_data text", 400, bytes("{\"status\":\"error\",\"errorType\":\"bad_data\",\"error\":\""
              + error + "\"}"), length <= PrometheusAnswer.MAX_TEXT_CHARS ? failure(QueryFailure.BadQuery.class)
              : failure(QueryFailure.HttpError.class));
        }
        case 3 -> {
          // A body that goes on past the byte limit: refused at the limit.
          yield new Huge("past the byte limit", 200, bytes(VECTOR + "{\"metric\":{\"a\":\""
              + text(random, (int) PrometheusAnswer.MAX_ANSWER_BYTES + 1 + random.nextInt(1024 * 1024))
              + "\"},\"value\":[1,\"1\"]}" + END), failure(QueryFailure.UnreadableAnswer.class, "body over 8 MiB"));
        }
        case 4 -> {
          // A big answer cut off anywhere.
          byte[] whole = bytes(VECTOR + "{\"metric\":{\"a\":\"" + text(random, 2 * 1024 * 1024)
              + "\"},\"value\":[1,\"1\"]}" + END);
          yield new Huge("cut off", 200, Arrays.copyOf(whole, random.nextInt(whole.length)),
              failure(QueryFailure.UnreadableAnswer.class));
        }
        case 5 -> {
          // Nesting in a field nobody reads: skipped while the parser allows its depth, unreadable past it.
          int depth = new int[] {100, 400, 100_000}[random.nextInt(3)];
          String nested = "[".repeat(depth) + "\"" + MARKER + "\"" + "]".repeat(depth);
          yield new Huge("deep nesting", 200, bytes("{\"status\":\"success\",\"warnings\":" + nested
              + ",\"data\":{\"resultType\":\"scalar\",\"result\":[1,\"2\"]}}"),
              depth <= 400 ? value(2) : failure(QueryFailure.UnreadableAnswer.class));
        }
        case 6 -> {
          // A number longer than any text read: unreadable, wherever it stands.
          String digits = "7".repeat(PrometheusAnswer.MAX_TEXT_CHARS + random.nextInt(1024 * 1024));
          yield new Huge("long number", 200, bytes(VECTOR + "{\"metric\":{},\"value\":[" + digits + ",\"1\"]}" + END),
              failure(QueryFailure.UnreadableAnswer.class));
        }
        case 7 -> {
          // A matrix of megabytes: judged by its type.
          StringBuilder body = new StringBuilder("{\"status\":\"success\",\"data\":{\"resultType\":\"matrix\",\"result\":[");
          for (int i = 0; i < 2000; i++) {
            body.append(i == 0 ? "" : ",").append("{\"metric\":{\"i\":\"").append(MARKER).append(i)
                .append("\"},\"values\":[").append("[1,\"1\"],".repeat(200)).append("[2,\"2\"]]}");
          }
          yield new Huge("matrix", 200, bytes(body.append(END)), notASingleValue(0));
        }
        default -> {
          // Tens of thousands of label names in one series: read, not kept.
          StringBuilder labels = new StringBuilder();
          int n = 10_000 + random.nextInt(100_000);
          for (int i = 0; i < n; i++) {
            labels.append(i == 0 ? "" : ",").append('"').append(MARKER).append(i).append("\":\"v\"");
          }
          yield new Huge("many label names", 200, bytes(VECTOR + "{\"metric\":{" + labels + "},\"value\":[1,\"-1\"]}"
              + END), value(-1));
        }
      };
    }

    /** Printable text with the marker, a quote-free mix of ASCII and other scripts. */
    private static String text(Random random, int length) {
      StringBuilder text = new StringBuilder(length + MARKER.length());
      text.append(MARKER);
      String alphabet = "abcxyz019 -_.:/äλ中";
      while (text.length() < length) {
        text.append(alphabet.charAt(random.nextInt(alphabet.length())));
      }
      return text.substring(0, Math.max(0, length));
    }

    private static byte[] bytes(CharSequence text) {
      return text.toString().getBytes(StandardCharsets.UTF_8);
    }

    private static Consumer<Object> value(double expected) {
      return outcome -> assertThat(outcome).isEqualTo(expected);
    }

    private static Consumer<Object> notASingleValue(int series) {
      return outcome -> assertThat(outcome).isInstanceOfSatisfying(QueryFailure.NotASingleValue.class,
          f -> assertThat(f.series()).isEqualTo(series));
    }

    private static Consumer<Object> failure(Class<? extends QueryFailure> type) {
      return outcome -> assertThat(outcome).isInstanceOf(type);
    }

    private static Consumer<Object> failure(Class<? extends QueryFailure> type, String endOfMessage) {
      return outcome -> assertThat(outcome).isInstanceOf(type)
          .satisfies(f -> assertThat(((Throwable) f).getMessage()).endsWith(endOfMessage));
    }
  }
}
