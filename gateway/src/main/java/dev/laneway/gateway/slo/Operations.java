package dev.laneway.gateway.slo;

import java.util.List;

/**
 * The operational alerts every deployment gets, beside the SLO burn alerts: one per thing an operator must act on,
 * each over metrics the gateway exports (the certificate's from the TLS listener). The README's "Operating Laneway"
 * has a runbook entry per alert ({@code #alert-<name>}).
 */
final class Operations {
  private Operations() {}

  /**
   * One alert.
   *
   * @param forDuration how long the condition must hold
   */
  record Alert(String name, String expr, String forDuration, String severity, String summary) {}

  static final List<Alert> ALERTS = List.of(
      new Alert("LanewayDeviceOffline", "sum by (lane, region) (rate(laneway_device_errors_total[5m])) > 0", "2m",
          "page", "Lane {{ $labels.lane }} ({{ $labels.region }}): batches fail on its device"),
      new Alert("LanewayBreakerOpen", "max by (lane) (laneway_breaker_state) == 2", "1m", "page",
          "Lane {{ $labels.lane }}: breaker open, routing skips the lane"),
      new Alert("LanewayStandIn", "max by (lane, region, device, kind, provider) (laneway_device_stand_in) == 1", "15m",
          "ticket", "Device {{ $labels.device }} on lane {{ $labels.lane }} runs on the CPU provider in place of its "
              + "{{ $labels.kind }}"),
      new Alert("LanewayAdmissionRefused", "max by (lane, model, variant) (laneway_admission_refused) == 1", "5m",
          "ticket", "Lane {{ $labels.lane }} refused {{ $labels.model }}:{{ $labels.variant }} (admission)"),
      new Alert("LanewayQueueSaturated",
          "sum by (lane) (rate(laneway_drops_total{reason=~\"queue_full|shed|would_miss_deadline\"}[5m])) > 0",
          "10m", "ticket", "Lane {{ $labels.lane }} refuses work: its queue is full"),
      new Alert("LanewaySloShedding", "max(laneway_slo_shedding) > 0", "10m", "ticket",
          "The gateway sheds less urgent classes to protect an SLO"),
      new Alert("LanewayCertificateExpiry", "min by (certificate) (laneway_tls_certificate_expiry_seconds) < 14 * 86400",
          "10m", "ticket", "TLS certificate {{ $labels.certificate }} expires within 14 days"));

  static void append(StringBuilder y) {
    y.append("  - name: laneway-operations\n    rules:\n");
    for (Alert a : ALERTS) {
      y.append("      - alert: ").append(a.name()).append("\n        expr: '").append(a.expr()).append("'\n")
          .append("        for: ").append(a.forDuration()).append("\n")
          .append("        labels: {severity: ").append(a.severity()).append("}\n")
          .append("        annotations:\n")
          .append("          summary: '").append(a.summary()).append("'\n")
          .append("          runbook: 'README.md#alert-").append(kebab(a.name())).append("'\n");
    }
  }

  /** {@code LanewayBreakerOpen} → {@code laneway-breaker-open}. */
  static String kebab(String name) {
    return name.replaceAll("([a-z])([A-Z])", "$1-$2").toLowerCase(java.util.Locale.ROOT);
  }
}
