package io.flagramp.core;

import java.net.InetAddress;
import java.util.Locale;
import java.util.Optional;

/**
 * Hosts as {@link HttpAddress} keeps them, and which addresses count as the operator's own machine or
 * link: those a ScalingChange author must not reach through it unless an allowlist names them.
 *
 * <p>An IPv4 address may be written as a browser reads it ({@code 2130706433}, {@code 0x7f.1},
 * {@code 0177.0.0.1}); it is kept in dotted decimal, so {@code 127.0.0.1} is recognised in every
 * spelling, and that spelling is the one sent. An IPv4 address mapped into IPv6 is kept as IPv4.
 */
public final class Hosts {

  private Hosts() {}

  /** A host name or an IPv4 address, canonical; no IPv6 (that comes in brackets). */
  static String name(String text) {
    String h = text.toLowerCase(Locale.ROOT);
    if (h.endsWith(".")) {
      // The root of DNS, written out: the same name.
      h = h.substring(0, h.length() - 1);
    }
    if (h.isEmpty()) {
      throw new IllegalArgumentException("it has no host");
    }
    if (h.length() > 253) {
      throw new IllegalArgumentException("its host is longer than 253 characters");
    }
    String[] labels = h.split("\\.", -1);
    if (looksNumeric(labels[labels.length - 1])) {
      return ipv4(labels);
    }
    for (String label : labels) {
      if (label.isEmpty() || label.length() > 63 || !label.matches("[a-z0-9_-]+")) {
        throw new IllegalArgumentException("its host is not a DNS name (labels of letters, digits, '-' and '_',"
            + " 1 to 63 each)");
      }
    }
    return h;
  }

  private static boolean looksNumeric(String label) {
    return !label.isEmpty() && (label.chars().allMatch(Character::isDigit)
        || (label.startsWith("0x") && label.substring(2).chars().allMatch(c -> Character.digit(c, 16) >= 0)));
  }

  /** Up to four parts, each decimal, octal (0…) or hex (0x…), the last filling the bytes left. */
  private static String ipv4(String[] parts) {
    if (parts.length > 4) {
      throw new IllegalArgumentException("its host ends in a number but is no IPv4 address");
    }
    long[] numbers = new long[parts.length];
    for (int i = 0; i < parts.length; i++) {
      numbers[i] = number(parts[i]);
      if (i < parts.length - 1 && numbers[i] > 255) {
        throw new IllegalArgumentException("its host ends in a number but is no IPv4 address");
      }
    }
    long last = numbers[parts.length - 1];
    if (last >= 1L << (8 * (5 - parts.length))) {
      throw new IllegalArgumentException("its host ends in a number but is no IPv4 address");
    }
    long address = last;
    for (int i = 0; i < parts.length - 1; i++) {
      address |= numbers[i] << (8 * (3 - i));
    }
    return ((address >> 24) & 255) + "." + ((address >> 16) & 255) + "." + ((address >> 8) & 255) + "."
        + (address & 255);
  }

  private static long number(String part) {
    int radix = 10;
    String digits = part;
    if (part.startsWith("0x")) {
      radix = 16;
      digits = part.substring(2);
    } else if (part.length() > 1 && part.startsWith("0")) {
      radix = 8;
      digits = part.substring(1);
    }
    if (digits.isEmpty()) {
      if (radix == 16) {
        return 0;
      }
      throw new IllegalArgumentException("its host ends in a number but is no IPv4 address");
    }
    int base = radix;
    if (digits.length() > 11 || !digits.chars().allMatch(c -> Character.digit(c, base) >= 0)) {
      throw new IllegalArgumentException("its host ends in a number but is no IPv4 address");
    }
    return Long.parseLong(digits, radix);
  }

  /** The text between the brackets, canonical: IPv6 in its shortest form (RFC 5952), or mapped IPv4 as IPv4. */
  static String ipv6(String text) {
    byte[] bytes = ipv6Bytes(text.toLowerCase(Locale.ROOT))
        .orElseThrow(() -> new IllegalArgumentException("its host in brackets is not an IPv6 address"));
    boolean mapped = bytes[10] == (byte) 0xff && bytes[11] == (byte) 0xff;
    for (int i = 0; i < 10 && mapped; i++) {
      mapped = bytes[i] == 0;
    }
    if (mapped) {
      return (bytes[12] & 255) + "." + (bytes[13] & 255) + "." + (bytes[14] & 255) + "." + (bytes[15] & 255);
    }
    int bestStart = -1;
    int bestLength = 0;
    for (int i = 0; i < 8; ) {
      int j = i;
      while (j < 8 && group(bytes, j) == 0) {
        j++;
      }
      if (j - i > bestLength && j - i >= 2) {
        bestStart = i;
        bestLength = j - i;
      }
      i = j == i ? i + 1 : j;
    }
    StringBuilder out = new StringBuilder();
    for (int i = 0; i < 8; i++) {
      if (i == bestStart) {
        out.append("::");
        i += bestLength - 1;
        continue;
      }
      if (out.length() > 0 && out.charAt(out.length() - 1) != ':') {
        out.append(':');
      }
      out.append(Integer.toHexString(group(bytes, i)));
    }
    return out.toString();
  }

  private static int group(byte[] bytes, int i) {
    return ((bytes[2 * i] & 255) << 8) | (bytes[2 * i + 1] & 255);
  }

  private static Optional<byte[]> ipv6Bytes(String text) {
    if (text.isEmpty() || text.contains("%") || text.indexOf("::") != text.lastIndexOf("::")) {
      return Optional.empty();
    }
    int gap = text.indexOf("::");
    String head = gap < 0 ? text : text.substring(0, gap);
    String tail = gap < 0 ? "" : text.substring(gap + 2);
    int[] first = groups(head);
    int[] last = groups(tail);
    if (first == null || last == null) {
      return Optional.empty();
    }
    int total = first.length + last.length;
    if (gap < 0 ? total != 8 : total > 7) {
      return Optional.empty();
    }
    byte[] bytes = new byte[16];
    for (int i = 0; i < first.length; i++) {
      bytes[2 * i] = (byte) (first[i] >> 8);
      bytes[2 * i + 1] = (byte) first[i];
    }
    for (int i = 0; i < last.length; i++) {
      int at = 8 - last.length + i;
      bytes[2 * at] = (byte) (last[i] >> 8);
      bytes[2 * at + 1] = (byte) last[i];
    }
    return Optional.of(bytes);
  }

  /** Colon-separated hex groups, the last of them possibly a dotted IPv4 address (two groups); null if not. */
  private static int[] groups(String text) {
    if (text.isEmpty()) {
      return new int[0];
    }
    String[] parts = text.split(":", -1);
    String lastPart = parts[parts.length - 1];
    boolean dotted = lastPart.contains(".");
    int[] out = new int[parts.length + (dotted ? 1 : 0)];
    for (int i = 0; i < parts.length; i++) {
      String p = parts[i];
      if (dotted && i == parts.length - 1) {
        String[] octets = p.split("\\.", -1);
        if (octets.length != 4) {
          return null;
        }
        int[] v = new int[4];
        for (int k = 0; k < 4; k++) {
          if (!octets[k].matches("0|[1-9][0-9]{0,2}") || Integer.parseInt(octets[k]) > 255) {
            return null;
          }
          v[k] = Integer.parseInt(octets[k]);
        }
        out[i] = (v[0] << 8) | v[1];
        out[i + 1] = (v[2] << 8) | v[3];
      } else {
        if (p.isEmpty() || p.length() > 4 || !p.chars().allMatch(c -> Character.digit(c, 16) >= 0)) {
          return null;
        }
        out[i] = Integer.parseInt(p, 16);
      }
    }
    return out;
  }

  /** The bytes of a canonical host that is an IP address; empty for a name. Looks nothing up. */
  static Optional<byte[]> literal(String host) {
    if (host.contains(":")) {
      return ipv6Bytes(host);
    }
    if (host.matches("[0-9]{1,3}(\\.[0-9]{1,3}){3}")) {
      String[] octets = host.split("\\.");
      byte[] bytes = new byte[4];
      for (int i = 0; i < 4; i++) {
        bytes[i] = (byte) Integer.parseInt(octets[i]);
      }
      return Optional.of(bytes);
    }
    return Optional.empty();
  }

  /** As {@link #isLocal(byte[])}, for an address a name was resolved to. */
  public static boolean isLocal(InetAddress address) {
    return isLocal(address.getAddress());
  }

  /**
   * Loopback (127/8, ::1), link-local (169.254/16 with the cloud metadata services, fe80::/10),
   * unspecified ({@code 0/8}, {@code ::}, which reach this machine): also when IPv4 is written inside
   * IPv6 (mapped, compatible, or the NAT64 prefix 64:ff9b::/96).
   */
  public static boolean isLocal(byte[] a) {
    if (a.length == 4) {
      return (a[0] & 255) == 127 || (a[0] & 255) == 0 || ((a[0] & 255) == 169 && (a[1] & 255) == 254);
    }
    if (a.length != 16) {
      return false;
    }
    if ((a[0] & 255) == 0xfe && (a[1] & 0xc0) == 0x80) {
      return true;
    }
    boolean zeroHead = true;
    for (int i = 0; i < 10; i++) {
      zeroHead &= a[i] == 0;
    }
    boolean nat64 = (a[0] & 255) == 0 && (a[1] & 255) == 0x64 && (a[2] & 255) == 0xff && (a[3] & 255) == 0x9b;
    for (int i = 4; i < 12 && nat64; i++) {
      nat64 = a[i] == 0;
    }
    boolean mapped = zeroHead && (a[10] & 255) == 0xff && (a[11] & 255) == 0xff;
    boolean compatible = zeroHead && a[10] == 0 && a[11] == 0;
    if (mapped || compatible || nat64) {
      // Also ::1 and ::, whose last four bytes read as 0.0.0.1 and 0.0.0.0.
      return isLocal(new byte[] {a[12], a[13], a[14], a[15]});
    }
    return false;
  }
}
