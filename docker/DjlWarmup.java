import ai.djl.engine.Engine;
import ai.djl.huggingface.tokenizers.jni.LibUtils;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;

/**
 * Image build step: loads the PyTorch engine and the HuggingFace tokenizers library once so DJL unpacks their
 * natives (~430 MB for the CPU build; only the JNI and tokenizers libraries for the CUDA build) into
 * DJL_CACHE_DIR at build time, instead of at every container start, and a read-only root filesystem works.
 * Run as a single-file program in the JDK build stage:
 * {@code java -cp "lib/*" DjlWarmup.java}. Fails the build when the engine cannot compute.
 */
public final class DjlWarmup {
  public static void main(String[] args) {
    Engine engine = Engine.getEngine("PyTorch");
    try (NDManager manager = NDManager.newBaseManager()) {
      NDArray a = manager.create(new float[] {1, 2, 3});
      float dot = a.mul(a).sum().getFloat();
      if (dot != 14f) {
        throw new IllegalStateException("PyTorch computed " + dot + " for [1,2,3].[1,2,3], expected 14");
      }
    }
    // Tokenizers extract their own native library into DJL_CACHE_DIR on first use.
    LibUtils.checkStatus();
    System.out.println("DJL warm-up: " + engine.getEngineName() + " " + engine.getVersion()
        + ", cache " + System.getenv("DJL_CACHE_DIR"));
  }
}
