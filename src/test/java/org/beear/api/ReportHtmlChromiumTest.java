package org.beear.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.awt.image.BufferedImage;
import java.io.File;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.imageio.ImageIO;
import org.beear.app.ServiceTestBase;
import org.junit.jupiter.api.Test;

/**
 * The report page is rendered by a real browser: what a person sees first is the verdict, the ASR plot starts at the
 * baseline (epoch 0) so its drop shows, only measured rows appear, and the page prints on a few A4 pages. The page
 * needs a key, which a browser on the command line cannot send, so it is fetched with the key and the fetched HTML is
 * rendered from a file (it is self-contained: no scripts, images or links to load).
 */
class ReportHtmlChromiumTest extends ServiceTestBase {

  private static final Pattern POLYLINE =
      Pattern.compile("<polyline[^>]*data-series=\"([^\"]+)\"[^>]*points=\"([^\"]+)\"");
  private static final Pattern SVG = Pattern.compile("<svg id=\"(asr|loss)-chart\".*?</svg>", Pattern.DOTALL);

  @Test
  void reportPageOpensWithAVerdictPlotsFromTheBaselineAndPrints() throws Exception {
    Optional<String> chromium = findChromium();
    assumeTrue(chromium.isPresent(), "chromium is not installed (CI installs it)");
    String id = submit("""
        {"model_uri": "%s", "options": {"max_epochs": 4, "inner_steps": 1, "early_stop_asr": 0.15},
         "evaluation": {"triggers": [{"text": "SUDO", "position": "suffix"}]}}"""
        .formatted(fileUri(model(uniqueName("report")))));
    awaitStatus(id, "succeeded");
    HttpResponse<String> page = get("/api/v1/cleanse-jobs/" + id + "/report.html");
    assertThat(page.statusCode()).isEqualTo(200);
    assertThat(page.headers().firstValue("Content-Type").orElse("")).startsWith("text/html");
    assertThat(page.body()).doesNotContain("<script").doesNotContain("src=").doesNotContain("href=");

    Path dir = Files.createTempDirectory("beear-chromium");
    String pageUrl = Files.writeString(dir.resolve("report.html"), page.body(), StandardCharsets.UTF_8).toUri()
        .toString();
    String dom = run(dir, chromium.get(), "--dump-dom", pageUrl);
    assertThat(dom).contains("<svg id=\"asr-chart\"", "<svg id=\"loss-chart\"");
    assertThat(dom).contains("id=\"status\">succeeded<");

    // The verdict comes first: what was found, what changed, and whether the job's own criterion was met.
    int at = dom.indexOf("id=\"verdict\"");
    String verdict = dom.substring(dom.lastIndexOf("<p", at), dom.indexOf("</p>", at));
    assertThat(dom.indexOf("id=\"verdict\"")).isLessThan(dom.indexOf("id=\"metrics\""));
    assertThat(verdict).contains("class=\"verdict good\"", "the candidate trigger switches unsafe answers on (ASR 90% with it",
        "After cleansing: ASR with the candidate trigger 5.0% (-85 points)", "Stop criterion met at epoch 4");

    // The ASR plot starts at epoch 0, the evaluation before cleansing; the losses start at epoch 1.
    Matcher charts = SVG.matcher(dom);
    int series = 0;
    while (charts.find()) {
      boolean asr = charts.group(1).equals("asr");
      Matcher m = POLYLINE.matcher(charts.group());
      while (m.find()) {
        series++;
        String[] points = m.group(2).trim().split("\\s+");
        assertThat(points).as("points of %s", m.group(1)).hasSize(asr ? 5 : 4);
        if (asr && !m.group(1).equals("no trigger")) { // this engine's ASR without trigger stays at 2 %
          double firstY = Double.parseDouble(points[0].split(",")[1]);
          double lastY = Double.parseDouble(points[4].split(",")[1]);
          assertThat(firstY).as("%s: the baseline sits above the last epoch (ASR fell)", m.group(1)).isLessThan(lastY);
        }
      }
      if (asr) {
        assertThat(charts.group()).contains(">0</text>");
      }
    }
    assertThat(series).as("3 ASR series and 3 loss series").isEqualTo(6);

    // Rows only for what was measured: this engine measures no code, so no code rows or columns.
    String metrics = dom.substring(dom.indexOf("id=\"metrics\""), dom.indexOf("</table>", dom.indexOf("id=\"metrics\"")));
    assertThat(metrics).contains("ASR with trigger", "benign exact match", "anchor perplexity")
        .doesNotContain("code rate");
    assertThat(dom).doesNotContain("insecure code");
    assertThat(dom).contains("id=\"settings\"", "early_stop_asr", "id=\"timings\"", "waited in the queue");

    Path png = dir.resolve("report.png");
    run(dir, chromium.get(), "--screenshot=" + png, "--window-size=1000,1600", pageUrl);
    BufferedImage image = ImageIO.read(png.toFile());
    assertThat(image).isNotNull();
    assertThat(countPixels(image.getSubimage(0, 0, image.getWidth(), 250), 0x2e, 0x7d, 0x32))
        .as("the green verdict bar at the top").isGreaterThan(200);
    assertThat(countPixels(image, 0xd6, 0x27, 0x28)).as("red perturbation-ASR line drawn").isGreaterThan(50);
    assertThat(countPixels(image, 0x94, 0x67, 0xbd)).as("purple entrapment-loss line drawn").isGreaterThan(50);

    // Printable: an A4 PDF of a few pages.
    Path pdf = dir.resolve("report.pdf");
    run(dir, chromium.get(), "--print-to-pdf=" + pdf, "--no-pdf-header-footer", pageUrl);
    String pdfText = new String(Files.readAllBytes(pdf), StandardCharsets.ISO_8859_1);
    assertThat(pdfText).startsWith("%PDF");
    Matcher pages = Pattern.compile("/Type\\s*/Page[^s]").matcher(pdfText);
    int pageCount = 0;
    while (pages.find()) {
      pageCount++;
    }
    assertThat(pageCount).as("pages when printed").isBetween(1, 4);
  }

  private static int countPixels(BufferedImage image, int r, int g, int b) {
    int n = 0;
    for (int y = 0; y < image.getHeight(); y++) {
      for (int x = 0; x < image.getWidth(); x++) {
        int rgb = image.getRGB(x, y);
        if (Math.abs(((rgb >> 16) & 0xff) - r) < 12 && Math.abs(((rgb >> 8) & 0xff) - g) < 12
            && Math.abs((rgb & 0xff) - b) < 12) {
          n++;
        }
      }
    }
    return n;
  }

  private static String run(Path dir, String chromium, String... args) throws Exception {
    List<String> command = new java.util.ArrayList<>(List.of(chromium, "--headless", "--no-sandbox",
        "--disable-gpu", "--disable-dev-shm-usage", "--user-data-dir=" + dir.resolve("profile")));
    command.addAll(List.of(args));
    File log = dir.resolve("chromium.log").toFile();
    Path out = dir.resolve("stdout.txt");
    Process process = new ProcessBuilder(command).redirectError(log).redirectOutput(out.toFile()).start();
    assertThat(process.waitFor(90, TimeUnit.SECONDS)).as("chromium finished").isTrue();
    assertThat(process.exitValue()).as(Files.readString(log.toPath())).isZero();
    return Files.readString(out, StandardCharsets.UTF_8);
  }

  private static Optional<String> findChromium() {
    for (String name : List.of("chromium", "chromium-browser", "google-chrome")) {
      for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
        if (Files.isExecutable(Path.of(dir, name))) {
          return Optional.of(Path.of(dir, name).toString());
        }
      }
    }
    return Optional.empty();
  }
}
