package io.herald.node;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ThreadLocalRandom;

/**
 * A WebSocket client at the level of single frames, for tests that break the protocol on purpose:
 * any first byte (FIN, RSV bits, opcode), masked or not, a length header that lies, fragments, and
 * reading nothing at all. Unlike {@link RawWebSocket} it buffers its input, so that a test can drain
 * megabytes of backlog quickly. One thread may read while another writes; no more than that.
 */
final class RawFrameSocket implements AutoCloseable {
  static final int CONTINUATION = 0x0;
  static final int TEXT = 0x1;
  static final int BINARY = 0x2;
  static final int CLOSE = 0x8;
  static final int PING = 0x9;
  static final int PONG = 0xA;
  static final int FIN = 0x80;

  /** One received frame. */
  record Frame(int opcode, byte[] payload) {
    String text() {
      return new String(payload, StandardCharsets.UTF_8);
    }

    boolean isClose() {
      return opcode == CLOSE;
    }

    /** The close code, or 1005 (no status) when the close frame carried none. */
    int closeCode() {
      return payload.length < 2 ? 1005 : ((payload[0] & 0xFF) << 8) | (payload[1] & 0xFF);
    }

    String closeReason() {
      return payload.length < 2 ? "" : new String(payload, 2, payload.length - 2, StandardCharsets.UTF_8);
    }
  }

  /** How a connection ended for a client that read everything the server had sent. */
  record Ending(int closeCode, long framesBefore, long bytesBefore) {
    /** No close frame arrived: the server cut the TCP connection. */
    static final int CUT = -1;

    boolean cut() {
      return closeCode == CUT;
    }
  }

  private final Socket socket;
  private final DataInputStream in;
  private final OutputStream out;

  private RawFrameSocket(Socket socket, DataInputStream in, OutputStream out) {
    this.socket = socket;
    this.in = in;
    this.out = out;
  }

  /**
   * Connects to 127.0.0.1 and completes the WebSocket upgrade; fails unless the server answers 101.
   * {@code receiveBuffer} > 0 is set before connecting, so that the TCP window is small from the start.
   */
  static RawFrameSocket open(int port, String pathAndQuery, int receiveBuffer) throws IOException {
    Socket socket = new Socket();
    try {
      if (receiveBuffer > 0) {
        socket.setReceiveBufferSize(receiveBuffer);
      }
      socket.setTcpNoDelay(true);
      socket.connect(new InetSocketAddress("127.0.0.1", port), 10_000);
      socket.setSoTimeout(20_000);
      OutputStream out = socket.getOutputStream();
      out.write(RawWebSocket.upgradeRequest(port, pathAndQuery, ""));
      out.flush();
      DataInputStream in = new DataInputStream(new BufferedInputStream(socket.getInputStream(), 64 * 1024));
      String status = RawWebSocket.readLine(in);
      while (!RawWebSocket.readLine(in).isEmpty()) {
        // headers: nothing in them matters to these tests
      }
      if (!status.startsWith("HTTP/1.1 101")) {
        throw new IOException("upgrade refused: " + status);
      }
      return new RawFrameSocket(socket, in, out);
    } catch (IOException | RuntimeException e) {
      socket.close();
      throw e;
    }
  }

  void sendText(String text) throws IOException {
    send(TEXT, text.getBytes(StandardCharsets.UTF_8));
  }

  /** One final, masked frame. */
  void send(int opcode, byte[] payload) throws IOException {
    sendFrame(FIN | opcode, true, payload, payload.length);
  }

  /**
   * One frame exactly as given: {@code firstByte} holds FIN, the RSV bits and the opcode; the header
   * declares {@code declaredLength}, which may differ from {@code payload.length} (a lying frame).
   */
  void sendFrame(int firstByte, boolean masked, byte[] payload, long declaredLength) throws IOException {
    ByteArrayOutputStream frame = new ByteArrayOutputStream(payload.length + 14);
    frame.write(firstByte);
    int maskBit = masked ? 0x80 : 0;
    // Unsigned: a declared length with the top bit set must take the 8-byte form.
    if (Long.compareUnsigned(declaredLength, 126) < 0) {
      frame.write(maskBit | (int) declaredLength);
    } else if (Long.compareUnsigned(declaredLength, 0xFFFF) <= 0) {
      frame.write(maskBit | 126);
      frame.write((int) (declaredLength >>> 8));
      frame.write((int) declaredLength);
    } else {
      frame.write(maskBit | 127);
      for (int shift = 56; shift >= 0; shift -= 8) {
        frame.write((int) (declaredLength >>> shift));
      }
    }
    if (masked) {
      byte[] mask = new byte[4];
      ThreadLocalRandom.current().nextBytes(mask);
      frame.write(mask, 0, 4);
      for (int i = 0; i < payload.length; i++) {
        frame.write(payload[i] ^ mask[i & 3]);
      }
    } else {
      frame.write(payload, 0, payload.length);
    }
    out.write(frame.toByteArray());
    out.flush();
  }

  /** Reads the next frame; throws {@link EOFException} when the server has closed the connection. */
  Frame read() throws IOException {
    int b0 = in.readUnsignedByte();
    long length = readLength();
    byte[] payload = new byte[Math.toIntExact(length)];
    in.readFully(payload);
    return new Frame(b0 & 0x0F, payload);
  }

  /**
   * Reads everything the server sent until its close frame or the end of the connection, skipping
   * data frames without keeping them. A reset counts as the end: either way the server cut it. The
   * receive buffer grows first, so that a socket opened with a tiny one drains in 64 KB windows.
   */
  Ending readToEnd() throws IOException {
    socket.setReceiveBufferSize(1 << 20);
    long frames = 0;
    long bytes = 0;
    // Large reads: InputStream.skip would read the socket 2 KB at a time.
    byte[] scratch = new byte[64 * 1024];
    try {
      while (true) {
        int opcode = in.readUnsignedByte() & 0x0F;
        long length = readLength();
        if (opcode == CLOSE) {
          byte[] payload = new byte[Math.toIntExact(length)];
          in.readFully(payload);
          return new Ending(new Frame(opcode, payload).closeCode(), frames, bytes);
        }
        for (long left = length; left > 0; ) {
          int n = in.read(scratch, 0, (int) Math.min(left, scratch.length));
          if (n < 0) {
            throw new EOFException();
          }
          left -= n;
        }
        frames++;
        bytes += length;
      }
    } catch (EOFException e) {
      return new Ending(Ending.CUT, frames, bytes);
    } catch (SocketException e) {
      if (String.valueOf(e.getMessage()).contains("reset")) {
        return new Ending(Ending.CUT, frames, bytes);
      }
      throw e;
    }
  }

  private long readLength() throws IOException {
    long length = in.readUnsignedByte() & 0x7F;
    if (length == 126) {
      length = in.readUnsignedShort();
    } else if (length == 127) {
      length = in.readLong();
    }
    return length;
  }

  void setReadTimeout(int millis) throws IOException {
    socket.setSoTimeout(millis);
  }

  @Override
  public void close() throws IOException {
    socket.close();
  }
}
