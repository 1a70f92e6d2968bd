package io.flagramp.core;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * An http(s) address in the one form the operator checks, keys and sends: scheme and host in lower
 * case, an IPv4 host in dotted decimal however it was written, the port always known, and the path
 * with its percent-encoding normalised, its empty segments dropped and its {@code .} and {@code ..}
 * resolved. The allowlist, the keys of pools and shared answers, and the request all read this form,
 * so what was checked is what is sent, and two spellings of one address are one address.
 *
 * <p>Whatever could be read two ways is refused rather than guessed: user info, a backslash, an
 * encoded {@code /}, {@code \} or {@code %} in the path (a server or proxy that decodes once more
 * would see other segments), a dot segment with parameters ({@code ..;}), control characters,
 * non-ASCII, a host that ends in a number but is no IPv4 address. A refusal's message never quotes
 * the address, which may be a secret (a webhook URL).
 *
 * @param scheme {@code http} or {@code https}
 * @param host lower case; an IPv6 address in brackets, in its shortest form
 * @param port 1..65535, the scheme's default when none was written
 * @param segments the path's segments, decoded where the encoding was needless, none empty
 * @param trailingSlash the path ended in {@code /} (kept for a URL, where {@code /hook/} and
 *     {@code /hook} may differ; never for a base address, whose paths get more segments appended)
 * @param query the query string as it is sent (a URL's only; a base address has none)
 */
public record HttpAddress(String scheme, String host, int port, List<String> segments, boolean trailingSlash,
    Optional<String> query) {

  private static final String UNRESERVED = "-._~";
  /** Characters a path segment may hold as they are, besides letters, digits and UNRESERVED. */
  private static final String SEGMENT = "!$&'()*+,;=:@";

  public HttpAddress {
    segments = List.copyOf(segments);
  }

  /**
   * A base address, to which paths are appended (a Prometheus server): no query string; a fragment is
   * dropped, as it is never sent; no trailing slash.
   *
   * @throws IllegalArgumentException saying what is wrong, without quoting {@code text}
   */
  public static HttpAddress base(String text) {
    return parse(text, false);
  }

  /**
   * A URL to send to as it is (a webhook): its query string kept, a fragment dropped, as it is never
   * sent.
   *
   * @throws IllegalArgumentException saying what is wrong, without quoting {@code text}
   */
  public static HttpAddress url(String text) {
    return parse(text, true);
  }

  private static HttpAddress parse(String text, boolean isUrl) {
    if (text == null || text.isEmpty()) {
      throw new IllegalArgumentException("it is empty");
    }
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (c <= ' ' || c == 0x7f) {
        throw new IllegalArgumentException("it holds a space or a control character");
      }
      if (c > 0x7f) {
        throw new IllegalArgumentException("it holds a character outside ASCII (write an internationalised host in"
            + " its xn-- form, and percent-encode a path)");
      }
      if (c == '\\') {
        throw new IllegalArgumentException("it holds a backslash");
      }
    }
    int colon = text.indexOf("://");
    String scheme = colon < 0 ? "" : text.substring(0, colon).toLowerCase(Locale.ROOT);
    if (!scheme.equals("http") && !scheme.equals("https")) {
      throw new IllegalArgumentException("it does not begin with http:// or https://");
    }
    String rest = text.substring(colon + 3);
    int hash = rest.indexOf('#');
    if (hash >= 0) {
      rest = rest.substring(0, hash);
    }
    int question = rest.indexOf('?');
    String query = question < 0 ? null : rest.substring(question + 1);
    if (question >= 0) {
      rest = rest.substring(0, question);
    }
    int slash = rest.indexOf('/');
    String authority = slash < 0 ? rest : rest.substring(0, slash);
    String path = slash < 0 ? "" : rest.substring(slash);

    if (authority.contains("@")) {
      throw new IllegalArgumentException("it holds user info (user:password@); credentials belong in a Secret");
    }
    String host;
    String port;
    if (authority.startsWith("[")) {
      int close = authority.indexOf(']');
      if (close < 0) {
        throw new IllegalArgumentException("its IPv6 host has no closing ]");
      }
      host = Hosts.ipv6(authority.substring(1, close));
      String after = authority.substring(close + 1);
      if (!after.isEmpty() && !after.startsWith(":")) {
        throw new IllegalArgumentException("something other than a port follows its IPv6 host");
      }
      port = after.isEmpty() ? "" : after.substring(1);
    } else {
      int c = authority.indexOf(':');
      host = Hosts.name(c < 0 ? authority : authority.substring(0, c));
      port = c < 0 ? "" : authority.substring(c + 1);
    }
    int number = port(port, scheme);

    List<String> segments = new ArrayList<>();
    boolean trailingSlash = false;
    if (!path.isEmpty()) {
      String[] raw = path.substring(1).split("/", -1);
      for (String r : raw) {
        String s = segment(r);
        trailingSlash = s.isEmpty() || s.equals(".") || s.equals("..");
        if (s.equals("..")) {
          if (!segments.isEmpty()) {
            segments.remove(segments.size() - 1);
          }
        } else if (!s.isEmpty() && !s.equals(".")) {
          segments.add(s);
        }
      }
    }
    if (!isUrl && query != null) {
      throw new IllegalArgumentException("it has a query string (?…), which a base address cannot have");
    }
    return new HttpAddress(scheme, host, number, segments, isUrl && trailingSlash && !segments.isEmpty(),
        Optional.ofNullable(query).map(HttpAddress::query));
  }

  private static int port(String port, String scheme) {
    if (port.isEmpty()) {
      return scheme.equals("https") ? 443 : 80;
    }
    if (port.length() > 5 || !port.chars().allMatch(Character::isDigit)) {
      throw new IllegalArgumentException("its port is not a number from 1 to 65535");
    }
    int n = Integer.parseInt(port);
    if (n < 1 || n > 65535) {
      throw new IllegalArgumentException("its port is not a number from 1 to 65535");
    }
    return n;
  }

  /** One path segment: needless encoding decoded, the rest in upper-case hex; what could be read twice refused. */
  private static String segment(String raw) {
    StringBuilder out = new StringBuilder(raw.length());
    for (int i = 0; i < raw.length(); i++) {
      char c = raw.charAt(i);
      if (c == '%') {
        int value = hex(raw, i);
        i += 2;
        if (value == '/' || value == '\\' || value == '%' || value < 0x20 || value == 0x7f) {
          throw new IllegalArgumentException("its path holds an encoded /, \\, % or control character");
        }
        if (isUnreserved((char) value)) {
          out.append((char) value);
        } else {
          out.append('%').append(String.format("%02X", value));
        }
      } else if (isUnreserved(c) || SEGMENT.indexOf(c) >= 0) {
        out.append(c);
      } else {
        throw new IllegalArgumentException("its path holds a character that must be percent-encoded");
      }
    }
    String s = out.toString();
    int semicolon = s.indexOf(';');
    if (semicolon >= 0) {
      String bare = s.substring(0, semicolon);
      if (bare.equals(".") || bare.equals("..")) {
        throw new IllegalArgumentException("its path holds a dot segment with parameters (..;)");
      }
    }
    return s;
  }

  private static String query(String raw) {
    StringBuilder out = new StringBuilder(raw.length());
    for (int i = 0; i < raw.length(); i++) {
      char c = raw.charAt(i);
      if (c == '%') {
        out.append('%').append(String.format("%02X", hex(raw, i)));
        i += 2;
      } else if (c == '\'') {
        // What OkHttp sends for it: the form checked is the form sent.
        out.append("%27");
      } else if (isUnreserved(c) || SEGMENT.indexOf(c) >= 0 || c == '/' || c == '?') {
        out.append(c);
      } else {
        throw new IllegalArgumentException("its query string holds a character that must be percent-encoded");
      }
    }
    return out.toString();
  }

  private static int hex(String s, int percent) {
    if (percent + 2 >= s.length()) {
      throw new IllegalArgumentException("it holds a % that is not followed by two hex digits");
    }
    int hi = Character.digit(s.charAt(percent + 1), 16);
    int lo = Character.digit(s.charAt(percent + 2), 16);
    if (hi < 0 || lo < 0) {
      throw new IllegalArgumentException("it holds a % that is not followed by two hex digits");
    }
    return hi * 16 + lo;
  }

  private static boolean isUnreserved(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || UNRESERVED.indexOf(c) >= 0;
  }

  /** The path as sent: {@code /a/b}, {@code /a/b/} for a URL that ended so, {@code ""} for none. */
  public String path() {
    return (segments.isEmpty() ? "" : "/" + String.join("/", segments)) + (trailingSlash ? "/" : "");
  }

  /** Same scheme, host and port, and {@code base}'s path segments begin this one's. */
  public boolean isUnder(HttpAddress base) {
    return scheme.equals(base.scheme) && host.equals(base.host) && port == base.port
        && segments.size() >= base.segments.size() && segments.subList(0, base.segments.size()).equals(base.segments);
  }

  /** The host is an IP address (not a name), as written. */
  public boolean hostIsAddress() {
    return Hosts.literal(host).isPresent();
  }

  /** The host is a loopback, link-local or unspecified IP address, as written (a name is not looked up). */
  public boolean hostIsLocal() {
    return Hosts.literal(host).map(Hosts::isLocal).orElse(false);
  }

  /** {@code scheme://host[:port]}, the port left out when it is the scheme's default. */
  public String origin() {
    return scheme + "://" + (host.contains(":") ? "[" + host + "]" : host)
        + (port == (scheme.equals("https") ? 443 : 80) ? "" : ":" + port);
  }

  /** The canonical form: what is compared, what keys are made of, and what is sent. */
  @Override
  public String toString() {
    return origin() + path() + query.map(q -> "?" + q).orElse("");
  }
}
