#include "searchvalues.h"

#include <QDateTime>
#include <QRegularExpression>
#include <QTimeZone>

using namespace Qt::StringLiterals;

namespace fhir::server::search {

std::optional<DateRange> parseDate(const QString &text)
{
    static const QRegularExpression pattern(
        u"^(\\d{4})(?:-(\\d{2})(?:-(\\d{2})(?:T(\\d{2}):(\\d{2})(?::(\\d{2})(?:\\.(\\d{1,9}))?)?"
        "(Z|[+-]\\d{2}:\\d{2})?)?)?)?$"_s);
    const auto m = pattern.match(text);
    if (!m.hasMatch())
        return std::nullopt;
    const int year = m.captured(1).toInt();
    const bool hasMonth = m.hasCaptured(2);
    const bool hasDay = m.hasCaptured(3);
    const bool hasTime = m.hasCaptured(4);
    const QDate date(year, hasMonth ? m.captured(2).toInt() : 1,
                     hasDay ? m.captured(3).toInt() : 1);
    if (!date.isValid())
        return std::nullopt;
    if (!hasTime) {
        const QDate end = hasDay ? date.addDays(1)
            : hasMonth           ? date.addMonths(1)
                                 : date.addYears(1);
        return DateRange{QDateTime(date, QTime(0, 0), Qt::UTC).toMSecsSinceEpoch(),
                         QDateTime(end, QTime(0, 0), Qt::UTC).toMSecsSinceEpoch()};
    }
    const bool hasSeconds = m.hasCaptured(6);
    const bool hasFraction = m.hasCaptured(7);
    const int ms = hasFraction ? m.captured(7).left(3).leftJustified(3, u'0').toInt() : 0;
    const QTime time(m.captured(4).toInt(), m.captured(5).toInt(),
                     hasSeconds ? m.captured(6).toInt() : 0, ms);
    if (!time.isValid())
        return std::nullopt;
    int offsetSeconds = 0;
    const QString zone = m.captured(8);
    if (!zone.isEmpty() && zone != u"Z"_s) {
        const int hours = zone.mid(1, 2).toInt();
        const int minutes = zone.mid(4, 2).toInt();
        if (hours > 14 || minutes > 59)
            return std::nullopt;
        offsetSeconds = (hours * 3600 + minutes * 60) * (zone.startsWith(u'-') ? -1 : 1);
    }
    const qint64 start
        = QDateTime(date, time, Qt::OffsetFromUTC, offsetSeconds).toMSecsSinceEpoch();
    const qint64 length = hasFraction ? 1 : hasSeconds ? 1000 : 60 * 1000;
    return DateRange{start, start + length};
}

QString normalizeString(const QString &text)
{
    bool ascii = true;
    for (const QChar c : text) {
        if (c.unicode() >= 0x80) {
            ascii = false;
            break;
        }
    }
    if (ascii)
        return text.toLower();
    const QString decomposed = text.normalized(QString::NormalizationForm_KD);
    QString out;
    out.reserve(decomposed.size());
    for (const QChar c : decomposed) {
        if (c.category() != QChar::Mark_NonSpacing && c.category() != QChar::Mark_Enclosing)
            out.append(c);
    }
    return out.toCaseFolded();
}

std::optional<ReferenceParts> parseReference(const QString &reference,
                                             const std::function<bool(const QString &)> &isType)
{
    if (reference.isEmpty() || reference.startsWith(u'#'))
        return std::nullopt;
    ReferenceParts parts;
    QString path = reference;
    if (const qsizetype history = path.indexOf(u"/_history/"_s); history > 0)
        path.truncate(history);
    if (reference.contains(u':'))
        parts.url = path;
    const QStringList segments = path.split(u'/');
    if (segments.size() >= 2 && isType(segments.at(segments.size() - 2))
        && !segments.last().isEmpty()) {
        parts.type = segments.at(segments.size() - 2);
        parts.id = segments.last();
    }
    if (parts.type.isEmpty() && parts.url.isEmpty())
        return std::nullopt;
    return parts;
}

} // namespace fhir::server::search
