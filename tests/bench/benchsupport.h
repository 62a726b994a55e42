#pragma once

// What every benchmark measures the same way: memory from /proc/self/status, and medians.

#include <QByteArray>
#include <QFile>
#include <QList>

#include <algorithm>
#include <vector>

namespace bench {

/// A field of /proc/self/status in KiB ("VmRSS:", "VmHWM:" for the peak); -1 if unknown.
inline double kibFromStatus(const char *field)
{
    QFile status(QStringLiteral("/proc/self/status"));
    if (!status.open(QIODevice::ReadOnly))
        return -1;
    const QList<QByteArray> lines = status.readAll().split('\n');
    for (const QByteArray &line : lines) {
        if (line.startsWith(field))
            return line.mid(qsizetype(qstrlen(field))).trimmed().split(' ').first().toDouble();
    }
    return -1;
}

inline double median(std::vector<double> values)
{
    std::sort(values.begin(), values.end());
    return values.empty() ? 0 : values[values.size() / 2];
}

} // namespace bench
