package io.herald.protocol;

/** Picks the serializer for a client's {@code vsn} connect parameter, as Phoenix's socket does. */
public final class Serializers {
  private Serializers() {}

  public static final V1JsonSerializer V1 = new V1JsonSerializer();
  public static final V2JsonSerializer V2 = new V2JsonSerializer();

  /** What Phoenix assumes when the client sends no vsn (the npm client always sends "2.0.0"). */
  public static final String DEFAULT_VSN = V1JsonSerializer.VSN;

  /**
   * {@code null} (no vsn parameter) and any "1.x" give {@link #V1}; any "2.x" gives {@link #V2}. Anything
   * else throws {@link ProtocolException}; Phoenix refuses the connection with HTTP 403 then.
   */
  public static Serializer forVsn(String vsn) {
    if (vsn == null) {
      return V1;
    }
    if (vsn.startsWith("1.")) {
      return V1;
    }
    if (vsn.startsWith("2.")) {
      return V2;
    }
    throw new ProtocolException("unsupported protocol version \"" + vsn + "\"; supported: 1.x, 2.x");
  }
}
