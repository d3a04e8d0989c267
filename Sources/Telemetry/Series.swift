import Prometheus

/// Series named `nanoreasoner_<subsystem>_<metric>_<unit>`, the Prometheus convention
/// (counters end in `_total`, durations in `_seconds`).
extension PrometheusCollectorRegistry {
    func counter(_ subsystem: String, _ metric: String, _ help: String, labels: [(String, String)] = []) -> Counter {
        makeCounter(descriptor: name(subsystem, metric, "total", help), labels: labels)
    }

    /// A gauge; `unit` is empty for plain numbers (a version, a share).
    func gauge(_ subsystem: String, _ metric: String, unit: String = "", _ help: String, labels: [(String, String)] = []) -> Gauge {
        makeGauge(descriptor: name(subsystem, metric, unit, help), labels: labels)
    }

    func seconds(_ subsystem: String, _ metric: String, _ help: String, buckets: [Double], labels: [(String, String)] = []) -> ValueHistogram {
        makeValueHistogram(descriptor: name(subsystem, metric, "seconds", help), labels: labels, buckets: buckets)
    }

    private func name(_ subsystem: String, _ metric: String, _ unit: String, _ help: String) -> MetricNameDescriptor {
        MetricNameDescriptor(namespace: "nanoreasoner", subsystem: subsystem, metricName: metric, unitName: unit, helpText: help)
    }
}
