#include "httpmetrics.h"

namespace {

// Label values escape backslash, double quote and line feed (exposition format).
QByteArray labelValue(const QString& value)
{
    QByteArray out;
    const QByteArray utf8 = value.toUtf8();
    out.reserve(utf8.size());
    for (const char c : utf8) {
        if (c == '\\' || c == '"')
            out += '\\';
        if (c == '\n') {
            out += "\\n";
            continue;
        }
        out += c;
    }
    return out;
}

} // namespace

void HttpMetrics::record(const QString& route, int status)
{
    ++m_requests[{ route, status }];
}

quint64 HttpMetrics::count(const QString& route, int status) const
{
    const auto it = m_requests.find({ route, status });
    return it == m_requests.end() ? 0 : it->second;
}

QByteArray HttpMetrics::prometheusText() const
{
    QByteArray out;
    out += "# HELP queuelab_http_requests_total HTTP requests answered, by route and status.\n";
    out += "# TYPE queuelab_http_requests_total counter\n";
    for (const auto& [key, count] : m_requests) {
        out += "queuelab_http_requests_total{route=\"";
        out += labelValue(key.first);
        out += "\",status=\"";
        out += QByteArray::number(key.second);
        out += "\"} ";
        out += QByteArray::number(count);
        out += '\n';
    }
    return out;
}
