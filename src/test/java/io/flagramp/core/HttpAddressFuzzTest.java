package io.flagramp.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Random;
import okhttp3.HttpUrl;
import org.junit.jupiter.api.Test;

/**
 * Odd addresses, generated from a fixed seed out of the pieces that fool URL parsers (case, user
 * info, numeric and bracketed hosts, dot segments plain and encoded, encoded separators, parameters,
 * non-ASCII, fragments after a query): each is refused with an IllegalArgumentException, or read into
 * a form that reads back the same and that OkHttp, which sends it, reads as the same host, port and
 * path. So an address allowed under an entry's path is sent under that path.
 */
class HttpAddressFuzzTest {

  private static final long SEED = 20261127L;
  private static final int ADDRESSES = 5000;

  private static final String[] SCHEMES = {"http://", "HTTP://", "https://", "hTtPs://", "ftp://", "", "http:/",
      "http:\\\\", "http:///", " http://"};
  private static final String[] USERS = {"", "", "", "u@", "u:p@", "@", "prometheus.monitoring.svc@",
      "u:p%40x@"};
  private static final String[] HOSTS = {"prometheus.monitoring.svc", "PROMETHEUS.Monitoring.SVC.",
      "prometheus.monitoring.svc..", "127.0.0.1", "2130706433", "0x7f.1", "0177.0.0.1", "[::1]",
      "[::ffff:169.254.169.254]", "169.254.169.254", "localhost", "a..b", "xn--bcher-kva.example",
      "b\u00fccher.example", "[fe80::1%25eth0]", "%6c%6f%63alhost", "0", "1.2.3", "[2001:DB8::0:1]",
      "prometheus.monitoring.svc#@evil.example", "evil.example\\@prometheus.monitoring.svc", "[::1", "::1",
      "prometheus_monitoring.svc", "-x.example", "x".repeat(64) + ".example", "999.1.1.1", "0x100000000"};
  private static final String[] PORTS = {"", "", ":", ":80", ":443", ":9090", ":09090", ":65535", ":65536", ":-1",
      ":x", ":9090:9090", ": 9090"};
  private static final String[] SEGMENTS = {"", ".", "..", "%2e", "%2E%2e", ".%2E", "tenant-a", "tenant-b", "A",
      "%41", "%2f", "%2F..", "%5c", "..;", ".;x", "a;b", "~", "%7e", "%c3%a9", "%25", "%252e", "a b", "\u00e9", "\\",
      "%", "%g1", "%2", ":@!$&'()*+,;=", "?", "#", "api", "v1", "..%2f", "%00", "\t"};
  private static final String[] QUERIES = {"", "", "?", "?a=b", "?q='x'", "?%zz", "?a=%2f&b=/c?d", "?a b",
      "?x#y", "?\u00e9"};
  private static final String[] FRAGMENTS = {"", "", "#", "#f", "#/../x", "#?q", "#\u00e9"};

  @Test
  void everyOddAddressIsRefusedOrReadAsOkHttpSendsIt() {
    Random rnd = new Random(SEED);
    AddressAllowlist tenantA = AddressAllowlist.parse("http://prometheus.monitoring.svc:9090/tenant-a");
    int accepted = 0;
    int allowed = 0;
    for (int i = 0; i < ADDRESSES; i++) {
      String text = generate(rnd);
      boolean isUrl = rnd.nextBoolean();
      HttpAddress a;
      try {
        a = isUrl ? HttpAddress.url(text) : HttpAddress.base(text);
      } catch (IllegalArgumentException refused) {
        assertThat(refused.getMessage()).as(text).isNotBlank();
        continue;
      }
      accepted++;
      String canonical = a.toString();
      assertThat(isUrl ? HttpAddress.url(canonical) : HttpAddress.base(canonical)).as(text).isEqualTo(a);

      HttpUrl sent = HttpUrl.parse(canonical);
      assertThat(sent).as(text).isNotNull();
      assertThat(sent.host()).as(text).isEqualTo(a.host());
      assertThat(sent.port()).as(text).isEqualTo(a.port());
      assertThat(sent.scheme()).as(text).isEqualTo(a.scheme());
      assertThat(sent.encodedPath()).as(text).isEqualTo(a.path().isEmpty() ? "/" : a.path());
      assertThat(sent.encodedQuery()).as(text).isEqualTo(a.query().orElse(null));
      assertThat(sent.encodedUsername()).as(text).isEmpty();

      if (!isUrl && tenantA.allows(a)) {
        allowed++;
        // As PrometheusClient asks: the base, then the API's path.
        HttpUrl query = sent.newBuilder().addPathSegments("api/v1/query").build();
        assertThat(query.host()).isEqualTo("prometheus.monitoring.svc");
        assertThat(query.port()).isEqualTo(9090);
        assertThat(query.encodedPathSegments()).as(text).startsWith("tenant-a");
      }
    }
    assertThat(accepted).as("enough are accepted to test what they become").isGreaterThan(ADDRESSES / 20);
    assertThat(allowed).as("some land under the allowed path").isGreaterThan(0);
  }

  private static String generate(Random rnd) {
    StringBuilder path = new StringBuilder();
    int segments = rnd.nextInt(5);
    for (int i = 0; i < segments; i++) {
      path.append('/').append(rnd.nextInt(3) == 0 ? "tenant-a" : pick(rnd, SEGMENTS));
    }
    if (rnd.nextInt(4) == 0) {
      path.append('/');
    }
    boolean plain = rnd.nextInt(3) == 0;
    return (plain ? "http://" : pick(rnd, SCHEMES)) + (plain ? "" : pick(rnd, USERS))
        + (plain ? "prometheus.monitoring.svc" : pick(rnd, HOSTS)) + (plain ? ":9090" : pick(rnd, PORTS))
        + path + pick(rnd, QUERIES) + pick(rnd, FRAGMENTS);
  }

  private static String pick(Random rnd, String[] options) {
    return options[rnd.nextInt(options.length)];
  }

  @Test
  void theSpellingsOfTheAllowlistTestAreAmongThoseOkHttpReadsAlike() {
    List<String> spellings = Spellings.of64();
    assertThat(spellings).allSatisfy(s -> assertThat(HttpUrl.parse(HttpAddress.base(s).toString()))
        .isEqualTo(HttpUrl.parse("http://prometheus.monitoring.svc:9090")));
  }
}
