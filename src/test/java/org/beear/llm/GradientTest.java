package org.beear.llm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** Autograd against central finite differences, in float64 so the comparison is sharp. */
class GradientTest {

  private static final double H = 1e-6;

  private record Setup(LlamaModel model, SequenceBatch batch, Perturbation perturbation) {}

  private static Setup setup(NDManager m, LlamaModel model) {
    Random r = new Random(4);
    List<SequenceBatch.Example> ex = List.of(
        new SequenceBatch.Example(new long[] {3, 9, 14, 20, 7}, new long[] {33, 40, 2}),
        new SequenceBatch.Example(new long[] {8, 8, 1}, new long[] {12, 5, 6, 2}));
    SequenceBatch batch = SequenceBatch.of(m, ex, 0);
    float[] d = new float[2 * model.config().hiddenSize()];
    for (int i = 0; i < d.length; i++) {
      d[i] = (float) (r.nextGaussian() * 0.3);
    }
    NDArray delta = m.create(d, new Shape(2, model.config().hiddenSize())).toType(DataType.FLOAT64, false);
    return new Setup(model, batch, new Perturbation(1, delta));
  }

  private static double loss(Setup s) {
    return s.batch().loss(s.model().logits(s.batch().inputs(), s.perturbation())).getDouble();
  }

  @Test
  void weightAndPerturbationGradientsMatchFiniteDifferences() {
    ModelConfig config = TinyModels.config("qwen2");
    try (LlamaModel model = TinyModels.model(config, TinyModels.randomWeights(config, 21), DataType.FLOAT64);
        NDManager m = model.manager().newSubManager()) {
      Setup s = setup(m, model);
      NDArray weight = model.weights().get("model.layers.1.self_attn.k_proj.weight");
      NDArray bias = model.weights().get("model.layers.0.self_attn.q_proj.bias");
      NDArray delta = s.perturbation().delta();
      for (NDArray p : List.of(weight, bias, delta)) {
        p.setRequiresGradient(true);
      }
      try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
        gc.backward(s.batch().loss(model.logits(s.batch().inputs(), s.perturbation())));
      }
      double[] wGrad = weight.getGradient().toDoubleArray();
      double[] bGrad = bias.getGradient().toDoubleArray();
      double[] dGrad = delta.getGradient().toDoubleArray();
      for (NDArray p : List.of(weight, bias, delta)) {
        p.setRequiresGradient(false);
      }
      checkEntries(s, weight, wGrad, new int[] {0, 17, 255}, "k_proj.weight");
      checkEntries(s, bias, bGrad, new int[] {1, 30}, "q_proj.bias");
      checkEntries(s, delta, dGrad, new int[] {0, 5, 40, 63}, "delta");
    }
  }

  private static void checkEntries(Setup s, NDArray param, double[] grad, int[] entries, String name) {
    for (int e : entries) {
      double original = param.toDoubleArray()[e];
      double plus = perturbed(s, param, e, original + H);
      double minus = perturbed(s, param, e, original - H);
      perturbed(s, param, e, original);
      double numeric = (plus - minus) / (2 * H);
      assertEquals(numeric, grad[e], 1e-6 + 1e-4 * Math.abs(numeric), name + "[" + e + "]");
    }
    assertTrue(java.util.Arrays.stream(grad).anyMatch(g -> Math.abs(g) > 1e-6), name + " gradient is all zero");
  }

  private static double perturbed(Setup s, NDArray param, int flatIndex, double value) {
    Shape shape = param.getShape();
    NDArray flat = param.reshape(-1);
    flat.set(new NDIndex(flatIndex), value);
    flat.reshape(shape);
    return loss(s);
  }

  /**
   * djl-notes trap 1: {@code x.mul(3f)} keeps a Java-backed tensor that autograd reads after a GC. The engine's
   * pattern (native scalars) must give the exact gradient every time under GC pressure.
   */
  @Test
  void nativeScalarsGiveExactGradientsUnderGcPressure() {
    try (NDManager m = NDManager.newBaseManager()) {
      Ops.Scalars scalars = new Ops.Scalars(m);
      NDArray x = m.create(new float[] {1, -2, 3, 0.5f});
      x.setRequiresGradient(true);
      for (int trial = 0; trial < 200; trial++) {
        try (NDManager step = m.newSubManager()) {
          step.tempAttachAll(x);
          try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
            NDArray y = x.mul(scalars.of(3)).square().sum(); // dy/dx = 18x
            System.gc();
            byte[] pressure = new byte[1 << 20];
            pressure[trial] = 1;
            gc.backward(y);
          }
          float[] g = x.getGradient().toFloatArray();
          assertEquals(18f, g[0], 1e-4, "trial " + trial);
          assertEquals(-36f, g[1], 1e-4, "trial " + trial);
          Optimizer.zeroGradients(List.of(x));
        }
      }
    }
  }

  /** Guards the rule itself: no Number overloads anywhere in the tensor packages. */
  @Test
  void mainCodeUsesNoNumberOverloads() throws IOException {
    Pattern overload = Pattern.compile(
        "\\.(mul|div|add|sub|pow|muli|divi|addi|subi|maximum|minimum|mod|rpow|rsub|rdiv)\\(\\s*-?[0-9][0-9_.eE]*[fFdDlL]?\\s*\\)");
    List<String> hits = new ArrayList<>();
    try (Stream<Path> files = Files.walk(Path.of("src/main/java"))) {
      // the packages that hold NDArrays; elsewhere (the api's report page) .add(0) is a List's
      List<String> tensorPackages = List.of("llm", "beear", "eval", "plan", "organism");
      for (Path f : files.filter(p -> p.toString().endsWith(".java"))
          .filter(p -> tensorPackages.stream().anyMatch(pkg -> p.toString().contains("/org/beear/" + pkg + "/")))
          .toList()) {
        Matcher matcher = overload.matcher(Files.readString(f));
        while (matcher.find()) {
          hits.add(f + ": " + matcher.group());
        }
      }
    }
    assertTrue(hits.isEmpty(), "Number overloads found: " + hits);
  }

  /** Autograd starts enabled on threads DJL did not initialise (service workers): updates must still work. */
  @Test
  void optimiserStepsWorkOnAFreshThread() throws Exception {
    java.util.concurrent.atomic.AtomicReference<Throwable> failure = new java.util.concurrent.atomic.AtomicReference<>();
    Thread worker = new Thread(() -> {
      try {
        ai.djl.pytorch.jni.JniUtils.setGradMode(true); // what a fresh PyTorch thread starts with
        trainingStepsLeaveNoArraysBehind();
        assertTrue(!ai.djl.pytorch.jni.JniUtils.isGradMode(), "grad mode left on after training");
      } catch (Throwable t) {
        failure.set(t);
      }
    });
    worker.start();
    worker.join();
    if (failure.get() != null) {
      throw new AssertionError(failure.get());
    }
  }

  @Test
  void trainingStepsLeaveNoArraysBehind() {
    ModelConfig config = TinyModels.config("gqa-tied");
    try (LlamaModel model = TinyModels.model(config, TinyModels.randomWeights(config, 2), DataType.FLOAT32)) {
      TrainableParameters params = new TrainableParameters(model.weights(), model.manager());
      params.recordGradients(true);
      Optimizer opt = Optimizer.create("adamw", model.manager(), 1e-3, 0.01).withGradientClipping(1.0);
      List<SequenceBatch.Example> ex = List.of(
          new SequenceBatch.Example(new long[] {3, 9, 14}, new long[] {33, 40, 2}),
          new SequenceBatch.Example(new long[] {8, 1}, new long[] {12, 5, 6, 2}));
      double first = 0;
      double last = 0;
      int arraysAfterWarmup = 0;
      for (int step = 0; step < 60; step++) {
        try (SequenceBatch batch = SequenceBatch.of(model.manager(), ex, 0)) {
          double loss;
          try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
            NDArray l = batch.loss(model.logits(batch.inputs(), null));
            loss = l.getFloat();
            gc.backward(l);
          }
          params.step(opt);
          first = step == 0 ? loss : first;
          last = loss;
        }
        if (step == 5) {
          arraysAfterWarmup = model.manager().getManagedArrays().size();
        }
      }
      assertEquals(arraysAfterWarmup, model.manager().getManagedArrays().size(), "arrays leaked per step");
      assertTrue(last < first * 0.5, "loss did not fall: " + first + " -> " + last);
    }
  }
}
