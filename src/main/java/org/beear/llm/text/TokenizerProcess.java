package org.beear.llm.text;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.FileDescriptor;
import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * The child process {@link IsolatedTokenizer} runs the native tokenizers library in, for one tokenizer.json: if the
 * library aborts, this process ends and the service that started it carries on.
 *
 * <p>It talks to its parent over stdin and stdout (big-endian, as Data streams write): the parent sends the
 * tokenizer.json text; the child answers {@link #MAGIC} and {@link #OK}, or {@link #FAILED} and the library's
 * message, and then answers requests until stdin ends: {@link #ENCODE} (a flag, add special tokens; a text) is
 * answered with OK and the ids, {@link #DECODE} (a flag, skip special tokens; ids) with OK and the text, either with
 * FAILED and a message when the library refuses. Texts travel as UTF-16, so that a Java string reaches the library
 * exactly as it would in the parent. Anything printed (DJL's logs) goes to stderr.
 */
public final class TokenizerProcess {

  static final int MAGIC = 0x42544b31; // "BTK1"
  static final byte ENCODE = 1;
  static final byte DECODE = 2;
  static final byte OK = 0;
  static final byte FAILED = 1;
  /** The most chars or ids one message may carry (a reply past it is a broken child, not a big answer). */
  static final int MAX_ITEMS = 64 * 1024 * 1024;

  private TokenizerProcess() {}

  public static void main(String[] args) throws IOException {
    DataOutputStream out = new DataOutputStream(new BufferedOutputStream(new FileOutputStream(FileDescriptor.out)));
    System.setOut(System.err); // stdout carries the protocol and nothing else
    DataInputStream in = new DataInputStream(new BufferedInputStream(new FileInputStream(FileDescriptor.in)));
    String tokenizerJson = readString(in);
    out.writeInt(MAGIC);
    out.flush(); // before the library may abort: the parent knows this JVM started
    NativeTokenizer tokenizer;
    try {
      tokenizer = new InProcessTokenizer(tokenizerJson);
    } catch (RuntimeException e) {
      failed(out, e);
      out.flush();
      return;
    }
    tokenizerJson = null; // megabytes
    out.writeByte(OK);
    out.flush();
    for (int op; (op = in.read()) != -1; ) {
      boolean flag = in.readBoolean();
      try {
        if (op == ENCODE) {
          long[] ids = tokenizer.encode(readString(in), flag);
          out.writeByte(OK);
          writeLongs(out, ids);
        } else if (op == DECODE) {
          String text = tokenizer.decode(readLongs(in), flag);
          out.writeByte(OK);
          writeString(out, text);
        } else {
          throw new IOException("unknown request " + op);
        }
      } catch (RuntimeException e) {
        failed(out, e);
      }
      out.flush();
    }
  }

  private static void failed(DataOutputStream out, RuntimeException e) throws IOException {
    out.writeByte(FAILED);
    writeString(out, e.getMessage() == null ? e.toString() : e.getMessage());
  }

  static void writeString(DataOutputStream out, String text) throws IOException {
    ByteBuffer bytes = ByteBuffer.allocate(2 * text.length());
    bytes.asCharBuffer().put(text);
    out.writeInt(text.length());
    out.write(bytes.array());
  }

  static String readString(DataInputStream in) throws IOException {
    byte[] bytes = new byte[2 * count(in)];
    in.readFully(bytes);
    return ByteBuffer.wrap(bytes).asCharBuffer().toString();
  }

  static void writeLongs(DataOutputStream out, long[] values) throws IOException {
    ByteBuffer bytes = ByteBuffer.allocate(8 * values.length);
    bytes.asLongBuffer().put(values);
    out.writeInt(values.length);
    out.write(bytes.array());
  }

  static long[] readLongs(DataInputStream in) throws IOException {
    byte[] bytes = new byte[8 * count(in)];
    in.readFully(bytes);
    long[] values = new long[bytes.length / 8];
    ByteBuffer.wrap(bytes).asLongBuffer().get(values);
    return values;
  }

  private static int count(DataInputStream in) throws IOException {
    int n = in.readInt();
    if (n < 0 || n > MAX_ITEMS) {
      throw new IOException("a message of " + n + " items");
    }
    return n;
  }
}
