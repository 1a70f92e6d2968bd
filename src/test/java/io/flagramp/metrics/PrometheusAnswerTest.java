package io.flagramp.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.Set;
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
  void aSingleElementVectorYieldsItsValue() throws QueryFailure {
    assertThat(read(200, """
        {"status":"success","data":{"resultType":"vector","result":[{"metric":{},"value":[1700000000.123,"7.25"]}]}}
        """)).isEqualTo(7.25);
  }

  @Test
  void aScalarYieldsItsValue() throws QueryFailure {
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
            .value(body.getBytes(StandardCharsets.UTF_8)))
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

  private static double read(int status, String body) throws QueryFailure {
    return read(status, "application/json", body);
  }

  private static double read(int status, String contentType, String body) throws QueryFailure {
    return new PrometheusAnswer(WHERE, Set.of(), status, contentType).value(body.getBytes(StandardCharsets.UTF_8));
  }
}
