package io.flagramp.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Prometheus' answers as it writes them (copied from a real 2.42), and what flagramp makes of them. */
class PrometheusAnswerTest {

  private static final String WHERE = "Prometheus at http://prometheus:9090";

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
  void anHttpErrorCarriesPrometheusErrorTextWhenItSentOne() {
    assertThatThrownBy(() -> read(503, """
        {"status":"error","errorType":"unavailable","error":"TSDB not ready"}"""))
        .isInstanceOfSatisfying(QueryFailure.HttpError.class, f -> assertThat(f.status()).isEqualTo(503))
        .hasMessage("HTTP 503 from Prometheus at http://prometheus:9090: TSDB not ready");
  }

  @Test
  void anHttpErrorWithoutJsonCarriesTheStartOfTheBodyOnOneLine() {
    String page = "<html>\n  <body>\n    <h1>502 Bad Gateway</h1>" + "x".repeat(500) + "</body></html>";
    assertThatThrownBy(() -> read(502, page))
        .isInstanceOfSatisfying(QueryFailure.HttpError.class, f -> {
          assertThat(f.status()).isEqualTo(502);
          assertThat(f.getMessage())
              .startsWith("HTTP 502 from Prometheus at http://prometheus:9090: <html> <body> <h1>502 Bad Gateway</h1>xxx")
              .doesNotContain("\n")
              .hasSizeLessThan(250);
        });
  }

  @Test
  void aRedirectIsAnHttpErrorSayingItIsNotFollowedAndNothingOfTheBody() {
    assertThatThrownBy(() -> read(302, "<a href=\"http://elsewhere/\">moved here</a>"))
        .isInstanceOfSatisfying(QueryFailure.HttpError.class, f -> assertThat(f.status()).isEqualTo(302))
        .hasMessage("HTTP 302 from Prometheus at http://prometheus:9090 (redirects are not followed)");
  }

  @Test
  void anHttpErrorWithAnEmptyBodySaysJustTheStatus() {
    assertThatThrownBy(() -> read(401, ""))
        .isInstanceOf(QueryFailure.HttpError.class)
        .hasMessage("HTTP 401 from Prometheus at http://prometheus:9090");
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "<html>login</html>| not JSON",
      "{\"status\":\"success\",\"data\":{\"resultType\":\"vector\",\"res| JSON cut off",
      "{\"status\":\"success\"} trailing| not JSON",
      "[1, 2]| not a JSON object",
      "{\"data\":{}}| no \"status\": \"success\"",
      "{\"status\":\"success\",\"data\":{}}| no data.resultType",
      "{\"status\":\"success\",\"data\":{\"resultType\":\"vector\",\"result\":[{\"value\":[1,2]}]}}"
          + "| a sample that is not [time, \"value\"]",
      "{\"status\":\"success\",\"data\":{\"resultType\":\"scalar\",\"result\":[1,\"seven\"]}}"
          + "| the value seven is not a number"})
  void anythingElseIsAnUnreadableAnswerSayingWhy(String body, String why) {
    assertThatThrownBy(() -> read(200, body))
        .isInstanceOf(QueryFailure.UnreadableAnswer.class)
        .hasMessageStartingWith("unreadable answer from Prometheus at http://prometheus:9090 (HTTP 200, " + why + ")");
  }

  @Test
  void anEmptyBodyIsUnreadable() {
    assertThatThrownBy(() -> read(200, ""))
        .isInstanceOf(QueryFailure.UnreadableAnswer.class)
        .hasMessageEndingWith(": empty body");
  }

  private static double read(int status, String body) throws QueryFailure {
    return PrometheusAnswer.read(status, body.getBytes(StandardCharsets.UTF_8), WHERE);
  }
}
