package io.herald.node.auth;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Phoenix's {@code check_origin} for WebSocket upgrades: a browser page on another site must not open a
 * socket with the user's cookies or stored token. Non-browser clients send no {@code Origin} and pass.
 *
 * <p>Allowed entries, as in Phoenix: {@code "https://app.example.com"} (scheme, host and, from the
 * scheme, port 443 must match), {@code "//app.example.com"} (any scheme and port),
 * {@code "//app.example.com:8080"} (that port), {@code "//*.example.com"} (example.com itself and any
 * subdomain, at any depth). A port is compared only when the entry names one or its scheme implies one
 * (http and ws: 80, https and wss: 443), as Elixir's URI.parse fills in default ports. Schemes and hosts
 * compare case-insensitively.
 *
 * <p>With no entries, the Origin's host must equal the host of the request's {@code Host} header; ports
 * are ignored, as in Phoenix's {@code check_origin: true} (which compares hosts only). A missing or
 * unparsable Host header then refuses every Origin. Behind a proxy that rewrites Host, list the origins.
 *
 * <p>An Origin that is present but not {@code scheme://host[:port]} (the opaque {@code "null"} of sandboxed
 * frames and file pages, an empty value, garbage, a path or user info) is refused.
 */
public final class OriginCheck {
  private static final int ANY_PORT = -1;
  private static final int HIGHEST_PORT = 65_535;

  /** {@code scheme} null: any; {@code port} {@link #ANY_PORT}: any; {@code wildcard}: host and subdomains. */
  private record Allowed(String scheme, String host, boolean wildcard, int port) {
    boolean matches(Origin origin) {
      return (scheme == null || scheme.equals(origin.scheme))
          && (port == ANY_PORT || port == origin.port)
          && (host.equals(origin.host) || (wildcard && origin.host.endsWith("." + host)));
    }
  }

  /** A parsed Origin; {@code port} is the explicit one or the scheme's default, {@link #ANY_PORT} if unknown. */
  private record Origin(String scheme, String host, int port) {}

  private final List<Allowed> allowed;

  private OriginCheck(List<Allowed> allowed) {
    this.allowed = allowed;
  }

  /**
   * @param allowed entries as described in the class comment; empty for "same host as the request"
   * @throws IllegalArgumentException on an entry without a host, with a path, query or user info, a bad
   *     port, or a wildcard other than a leading {@code *.}
   */
  public static OriginCheck of(List<String> allowed) {
    List<Allowed> parsed = new ArrayList<>(allowed.size());
    for (String entry : allowed) {
      parsed.add(parseEntry(entry));
    }
    return new OriginCheck(List.copyOf(parsed));
  }

  /**
   * @param originHeader the request's {@code Origin}, null when absent
   * @param hostHeader the request's {@code Host}, null when absent; used only when no entries are listed
   */
  public boolean allows(String originHeader, String hostHeader) {
    if (originHeader == null) {
      return true;
    }
    Origin origin = parseOrigin(originHeader);
    if (origin == null) {
      return false;
    }
    if (allowed.isEmpty()) {
      String host = hostOfHostHeader(hostHeader);
      return host != null && host.equals(origin.host);
    }
    for (Allowed entry : allowed) {
      if (entry.matches(origin)) {
        return true;
      }
    }
    return false;
  }

  private static Allowed parseEntry(String entry) {
    String e = entry == null ? "" : entry.strip();
    int slashes = e.indexOf("//");
    if (slashes < 0) {
      throw badEntry(entry, "expected \"scheme://host[:port]\" or \"//host[:port]\"");
    }
    String scheme = null;
    if (slashes > 0) {
      if (e.charAt(slashes - 1) != ':' || !isScheme(e.substring(0, slashes - 1))) {
        throw badEntry(entry, "the part before // is not a scheme followed by a colon");
      }
      scheme = e.substring(0, slashes - 1).toLowerCase(Locale.ROOT);
    }
    String authority = e.substring(slashes + 2);
    if (authority.endsWith("/")) {
      authority = authority.substring(0, authority.length() - 1); // "https://example.com/" is common
    }
    boolean wildcard = authority.startsWith("*.");
    HostPort hp = parseHostPort(wildcard ? authority.substring(2) : authority);
    if (hp == null) {
      throw badEntry(entry, "expected a host and an optional port, without path, query, user info or"
          + " other wildcards than a leading \"*.\"");
    }
    int port = hp.port != ANY_PORT ? hp.port : defaultPort(scheme);
    return new Allowed(scheme, hp.host, wildcard, port);
  }

  private static IllegalArgumentException badEntry(String entry, String why) {
    return new IllegalArgumentException("invalid allowed origin \"" + entry + "\": " + why
        + "; for example \"https://app.example.com\", \"//app.example.com:8080\", \"//*.example.com\"");
  }

  private static Origin parseOrigin(String value) {
    int sep = value.indexOf("://");
    if (sep <= 0 || !isScheme(value.substring(0, sep))) {
      return null;
    }
    HostPort hp = parseHostPort(value.substring(sep + 3));
    if (hp == null) {
      return null;
    }
    String scheme = value.substring(0, sep).toLowerCase(Locale.ROOT);
    return new Origin(scheme, hp.host, hp.port != ANY_PORT ? hp.port : defaultPort(scheme));
  }

  private static String hostOfHostHeader(String value) {
    if (value == null) {
      return null;
    }
    HostPort hp = parseHostPort(value.strip());
    return hp == null ? null : hp.host;
  }

  private record HostPort(String host, int port) {}

  /**
   * {@code host[:port]} where host is a DNS name or IPv4 address (letters, digits, '-', '.') or a
   * bracketed IPv6 literal; lower-cased. Null if it is anything else.
   */
  private static HostPort parseHostPort(String s) {
    String host;
    String rest;
    if (s.startsWith("[")) {
      int close = s.indexOf(']');
      if (close < 0) {
        return null;
      }
      host = s.substring(0, close + 1);
      for (int i = 1; i < close; i++) {
        char c = s.charAt(i);
        if (!(isHexDigit(c) || c == ':' || c == '.')) {
          return null;
        }
      }
      rest = s.substring(close + 1);
    } else {
      int colon = s.indexOf(':');
      host = colon < 0 ? s : s.substring(0, colon);
      rest = colon < 0 ? "" : s.substring(colon);
      for (int i = 0; i < host.length(); i++) {
        char c = host.charAt(i);
        if (!(isAsciiLetterOrDigit(c) || c == '-' || c == '.')) {
          return null;
        }
      }
    }
    if (host.isEmpty() || host.equals("[]") || host.startsWith(".") || host.endsWith(".")
        || host.contains("..")) {
      return null;
    }
    int port = ANY_PORT;
    if (!rest.isEmpty()) {
      if (rest.charAt(0) != ':' || rest.length() < 2 || rest.length() > 6) {
        return null;
      }
      port = 0;
      for (int i = 1; i < rest.length(); i++) {
        char c = rest.charAt(i);
        if (c < '0' || c > '9') {
          return null;
        }
        port = port * 10 + (c - '0');
      }
      if (port > HIGHEST_PORT) {
        return null;
      }
    }
    return new HostPort(host.toLowerCase(Locale.ROOT), port);
  }

  private static int defaultPort(String scheme) {
    if (scheme == null) {
      return ANY_PORT;
    }
    return switch (scheme) {
      case "http", "ws" -> 80;
      case "https", "wss" -> 443;
      default -> ANY_PORT;
    };
  }

  /** RFC 3986: ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ). */
  private static boolean isScheme(String s) {
    if (s.isEmpty() || !isAsciiLetter(s.charAt(0))) {
      return false;
    }
    for (int i = 1; i < s.length(); i++) {
      char c = s.charAt(i);
      if (!(isAsciiLetterOrDigit(c) || c == '+' || c == '-' || c == '.')) {
        return false;
      }
    }
    return true;
  }

  private static boolean isAsciiLetter(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
  }

  private static boolean isAsciiLetterOrDigit(char c) {
    return isAsciiLetter(c) || (c >= '0' && c <= '9');
  }

  private static boolean isHexDigit(char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
  }
}
