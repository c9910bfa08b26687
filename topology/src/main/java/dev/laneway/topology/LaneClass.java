package dev.laneway.topology;

/**
 * General lanes (GPU-first) take any model, dynamic shapes, full precision; specialised lanes (NPU discipline) take
 * only admitted quantized models at static shapes.
 */
public enum LaneClass {
  GENERAL,
  SPECIALISED
}
