package io.herald.node;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Base64;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

/**
 * A WebSocket client on a plain TCP socket, for tests that must misbehave: send any bytes, read
 * slowly or not at all, shrink the receive buffer. Not thread-safe.
 */
final class RawWebSocket implements AutoCloseable {

  /** One received frame: its opcode and payload. */
  record Frame(int opcode, byte[] payload) {
    String text() {
      return new String(payload, StandardCharsets.UTF_8);
    }

    boolean isClose() {
      return opcode == 0x8;
    }

    int closeCode() {
      return ((payload[0] & 0xFF) << 8) | (payload[1] & 0xFF);
    }

    String closeReason() {
      return new String(payload, 2, payload.length - 2, StandardCharsets.UTF_8);
    }
  }

  private final Socket socket;
  private final DataInputStream in;
  private final OutputStream out;
  final int status;
  final Map<String, String> headers;

  private RawWebSocket(Socket socket, DataInputStream in, OutputStream out, int status, Map<String, String> headers) {
    this.socket = socket;
    this.in = in;
    this.out = out;
    this.status = status;
    this.headers = headers;
  }

  static RawWebSocket connect(int port, String pathAndQuery) throws IOException {
    return connect(port, pathAndQuery, 0, "");
  }

  /**
   * Connects and upgrades; {@code receiveBuffer} > 0 shrinks the socket's receive buffer first;
   * {@code extraHeaders} are complete header lines, each ending in CRLF.
   */
  static RawWebSocket connect(int port, String pathAndQuery, int receiveBuffer, String extraHeaders)
      throws IOException {
    return connect(null, port, pathAndQuery, receiveBuffer, extraHeaders, new byte[0]);
  }

  /**
   * As {@link #connect(int, String, int, String)}, from the loopback address {@code from} (null: any;
   * Linux routes all of 127.0.0.0/8 to loopback, so tests can be several clients), and with
   * {@code sentWithRequest} written in the same write as the upgrade request (a client that pipelines
   * its first frames).
   */
  static RawWebSocket connect(
      InetAddress from, int port, String pathAndQuery, int receiveBuffer, String extraHeaders, byte[] sentWithRequest)
      throws IOException {
    Socket socket = new Socket();
    if (receiveBuffer > 0) {
      socket.setReceiveBufferSize(receiveBuffer);
    }
    if (from != null) {
      socket.bind(new InetSocketAddress(from, 0));
    }
    socket.connect(new InetSocketAddress("127.0.0.1", port), 5_000);
    socket.setSoTimeout(10_000);
    OutputStream out = socket.getOutputStream();
    byte[] request = upgradeRequest(port, pathAndQuery, extraHeaders);
    byte[] both = Arrays.copyOf(request, request.length + sentWithRequest.length);
    System.arraycopy(sentWithRequest, 0, both, request.length, sentWithRequest.length);
    out.write(both);
    out.flush();
    DataInputStream in = new DataInputStream(socket.getInputStream());
    String statusLine = readLine(in);
    Map<String, String> headers = new HashMap<>();
    for (String line = readLine(in); !line.isEmpty(); line = readLine(in)) {
      int colon = line.indexOf(':');
      headers.put(line.substring(0, colon).trim().toLowerCase(Locale.ROOT), line.substring(colon + 1).trim());
    }
    int status = Integer.parseInt(statusLine.split(" ")[1]);
    return new RawWebSocket(socket, in, out, status, headers);
  }

  void sendText(String text) throws IOException {
    send(0x1, text.getBytes(StandardCharsets.UTF_8));
  }

  /** Sends one final, masked frame with any opcode and payload. */
  void send(int opcode, byte[] payload) throws IOException {
    out.write(maskedFrame(opcode, payload));
    out.flush();
  }

  /** One final, masked frame, as a client sends it. */
  static byte[] maskedFrame(int opcode, byte[] payload) {
    ByteArrayOutputStream frame = new ByteArrayOutputStream(payload.length + 14);
    frame.write(0x80 | opcode);
    if (payload.length < 126) {
      frame.write(0x80 | payload.length);
    } else if (payload.length <= 0xFFFF) {
      frame.write(0x80 | 126);
      frame.write(payload.length >>> 8);
      frame.write(payload.length);
    } else {
      frame.write(0x80 | 127);
      for (int shift = 56; shift >= 0; shift -= 8) {
        frame.write((int) ((long) payload.length >>> shift));
      }
    }
    byte[] mask = new byte[4];
    ThreadLocalRandom.current().nextBytes(mask);
    frame.write(mask, 0, mask.length);
    for (int i = 0; i < payload.length; i++) {
      frame.write(payload[i] ^ mask[i & 3]);
    }
    return frame.toByteArray();
  }

  /** Writes raw bytes to the connection (for broken framing). */
  void sendRaw(byte[] bytes) throws IOException {
    out.write(bytes);
    out.flush();
  }

  /** Reads the next frame; throws {@link EOFException} when the server has closed the connection. */
  Frame read() throws IOException {
    int b0 = in.readUnsignedByte();
    int b1 = in.readUnsignedByte();
    long length = b1 & 0x7F;
    if (length == 126) {
      length = in.readUnsignedShort();
    } else if (length == 127) {
      length = in.readLong();
    }
    byte[] payload = new byte[(int) length];
    in.readFully(payload);
    return new Frame(b0 & 0x0F, payload);
  }

  /** Reads frames until a text frame arrives (skipping nothing else: a close frame is returned too). */
  Frame readTextOrClose() throws IOException {
    while (true) {
      Frame frame = read();
      if (frame.opcode() == 0x1 || frame.isClose()) {
        return frame;
      }
    }
  }

  void setReadTimeout(int millis) throws IOException {
    socket.setSoTimeout(millis);
  }

  @Override
  public void close() throws IOException {
    socket.close();
  }

  /** A WebSocket upgrade request to 127.0.0.1 with a fresh key; {@code extraHeaders} end in CRLF each. */
  static byte[] upgradeRequest(int port, String pathAndQuery, String extraHeaders) {
    byte[] key = new byte[16];
    ThreadLocalRandom.current().nextBytes(key);
    String request =
        "GET " + pathAndQuery + " HTTP/1.1\r\n"
            + "Host: 127.0.0.1:" + port + "\r\n"
            + "Upgrade: websocket\r\nConnection: Upgrade\r\n"
            + "Sec-WebSocket-Key: " + Base64.getEncoder().encodeToString(key) + "\r\n"
            + "Sec-WebSocket-Version: 13\r\n"
            + extraHeaders
            + "\r\n";
    return request.getBytes(StandardCharsets.US_ASCII);
  }

  /** One line of the HTTP handshake answer, without its CRLF. */
  static String readLine(DataInputStream in) throws IOException {
    StringBuilder line = new StringBuilder();
    int c;
    while ((c = in.read()) != -1 && c != '\n') {
      if (c != '\r') {
        line.append((char) c);
      }
    }
    if (c == -1 && line.length() == 0) {
      throw new EOFException("connection closed during the handshake");
    }
    return line.toString();
  }
}
