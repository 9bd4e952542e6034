package io.github.redisproxy.bench;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.geom.AffineTransform;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import javax.imageio.ImageIO;

/**
 * Draws {@link HitRatioStudy}'s results as a grouped bar chart (PNG, plain java.awt, so it needs no
 * display: run with {@code -Djava.awt.headless=true}): one group per (s, capacity), one bar per
 * policy, a dashed line at the top-C reference.
 */
final class HitRatioChart {
  private static final int WIDTH = 1100;
  private static final int HEIGHT = 620;
  private static final int LEFT = 90;
  private static final int RIGHT = 30;
  private static final int TOP = 110;
  private static final int BOTTOM = 110;
  private static final Color LRU = new Color(0x4C72B0);
  private static final Color TINYLFU = new Color(0xDD8452);
  private static final Color REFERENCE = new Color(0x333333);
  private static final Color GRID = new Color(0xDDDDDD);
  private static final BasicStroke DASHED =
      new BasicStroke(
          2f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10f, new float[] {7f, 4f}, 0f);

  private HitRatioChart() {}

  static void write(List<HitRatioStudy.Row> rows, String subtitle, Path file) throws IOException {
    BufferedImage image = new BufferedImage(WIDTH, HEIGHT, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = image.createGraphics();
    try {
      draw(g, rows, subtitle);
    } finally {
      g.dispose();
    }
    Files.createDirectories(file.toAbsolutePath().getParent());
    ImageIO.write(image, "png", file.toFile());
  }

  private static void draw(Graphics2D g, List<HitRatioStudy.Row> rows, String subtitle) {
    g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
    g.setRenderingHint(
        RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
    g.setColor(Color.WHITE);
    g.fillRect(0, 0, WIDTH, HEIGHT);
    int plotLeft = LEFT;
    int plotRight = WIDTH - RIGHT;
    int plotTop = TOP;
    int plotBottom = HEIGHT - BOTTOM;

    g.setColor(Color.BLACK);
    g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 20));
    centered(g, "Hit ratio of the proxy's cache policies on Zipf traces", WIDTH / 2, 32);
    g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 14));
    centered(g, subtitle, WIDTH / 2, 56);
    legend(g, plotLeft, 86);

    // Grid and y axis: 0 to 100 %.
    g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 13));
    for (int percent = 0; percent <= 100; percent += 10) {
      int y = y(percent / 100.0, plotTop, plotBottom);
      g.setColor(GRID);
      g.drawLine(plotLeft, y, plotRight, y);
      g.setColor(Color.BLACK);
      String label = percent + " %";
      g.drawString(label, plotLeft - 8 - g.getFontMetrics().stringWidth(label), y + 5);
    }
    g.drawLine(plotLeft, plotTop, plotLeft, plotBottom);
    g.drawLine(plotLeft, plotBottom, plotRight, plotBottom);
    AffineTransform straight = g.getTransform();
    g.rotate(-Math.PI / 2);
    g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 15));
    centered(g, "hit ratio (1 − loads / reads)", -(plotTop + plotBottom) / 2, 24);
    g.setTransform(straight);

    double group = (double) (plotRight - plotLeft) / rows.size();
    int bar = (int) (group * 0.36);
    for (int i = 0; i < rows.size(); i++) {
      HitRatioStudy.Row row = rows.get(i);
      int center = (int) (plotLeft + group * (i + 0.5));
      int lruLeft = center - bar - 2;
      int tinylfuLeft = center + 2;
      bar(g, lruLeft, bar, row.lru(), LRU, plotTop, plotBottom);
      bar(g, tinylfuLeft, bar, HitRatioStudy.mean(row.tinylfu()), TINYLFU, plotTop, plotBottom);

      int reference = y(row.topKeys(), plotTop, plotBottom);
      g.setColor(REFERENCE);
      g.setStroke(DASHED);
      g.drawLine(lruLeft - 8, reference, tinylfuLeft + bar + 8, reference);
      g.setStroke(new BasicStroke(1f));
      g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
      centered(g, percent(row.topKeys()), center, reference - 6);

      g.setColor(Color.BLACK);
      g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 14));
      centered(
          g,
          "C = " + Math.round(row.capacityShare() * 100) + " % of keys",
          center,
          plotBottom + 22);
      if (i % 2 == 0 && i + 1 < rows.size() && rows.get(i + 1).s() == row.s()) {
        int pairCenter = (int) (plotLeft + group * (i + 1));
        g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 15));
        centered(g, "s = " + row.s(), pairCenter, plotBottom + 48);
        if (i > 0) {
          g.setColor(GRID);
          int x = (int) (plotLeft + group * i);
          g.drawLine(x, plotTop, x, plotBottom + 55);
        }
      }
    }
    g.setColor(Color.BLACK);
    g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 15));
    centered(
        g, "Zipf exponent s and cache capacity C", (plotLeft + plotRight) / 2, plotBottom + 84);
  }

  private static void bar(
      Graphics2D g, int left, int width, double ratio, Color color, int top, int bottom) {
    int y = y(ratio, top, bottom);
    g.setColor(color);
    g.fillRect(left, y, width, bottom - y);
    g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 14));
    String label = percent(ratio);
    if (bottom - y > 26) {
      g.setColor(Color.WHITE);
      centered(g, label, left + width / 2, y + 19);
    } else {
      g.setColor(Color.BLACK);
      centered(g, label, left + width / 2, y - 5);
    }
  }

  private static void legend(Graphics2D g, int left, int baseline) {
    g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 14));
    FontMetrics metrics = g.getFontMetrics();
    int x = left;
    for (Object[] entry :
        new Object[][] {{LRU, "lru (exact LRU)"}, {TINYLFU, "tinylfu (Caffeine's W-TinyLFU)"}}) {
      g.setColor((Color) entry[0]);
      g.fillRect(x, baseline - 12, 16, 14);
      g.setColor(Color.BLACK);
      g.drawString((String) entry[1], x + 22, baseline);
      x += 22 + metrics.stringWidth((String) entry[1]) + 30;
    }
    g.setColor(REFERENCE);
    g.setStroke(DASHED);
    g.drawLine(x, baseline - 5, x + 30, baseline - 5);
    g.setStroke(new BasicStroke(1f));
    g.setColor(Color.BLACK);
    g.drawString(
        "share of reads of the C most popular keys (the best a policy can expect)",
        x + 38,
        baseline);
  }

  private static int y(double ratio, int top, int bottom) {
    return (int) Math.round(bottom - ratio * (bottom - top));
  }

  private static String percent(double ratio) {
    return String.format(Locale.ROOT, "%.1f %%", 100 * ratio);
  }

  private static void centered(Graphics2D g, String text, int center, int baseline) {
    g.drawString(text, center - g.getFontMetrics().stringWidth(text) / 2, baseline);
  }
}
