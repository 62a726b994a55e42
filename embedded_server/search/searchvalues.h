#pragma once

#include <QString>

#include <functional>
#include <optional>

namespace fhir::server::search {

/// The ends of time in the date index: open-ended periods reach them. Far enough to hold any
/// FHIR date, near enough that arithmetic on them never overflows.
constexpr qint64 beginningOfTime = -(qint64(1) << 60);
constexpr qint64 endOfTime = qint64(1) << 60;

/// A half-open interval of milliseconds since the epoch, UTC: [low, high).
struct DateRange
{
    qint64 low = beginningOfTime;
    qint64 high = endOfTime;
};

/// A FHIR date, dateTime or instant as the interval its precision covers ("2024" is the whole
/// year, "2024-03-01T10:00" one minute). Times without a zone are taken as UTC.
std::optional<DateRange> parseDate(const QString &text);

/// A string as string search compares it (search.html, string): case-folded, accents and
/// other combining marks removed.
QString normalizeString(const QString &text);

/// The parts of a literal reference: "Patient/1", "http://x/fhir/Patient/1/_history/2".
struct ReferenceParts
{
    QString type; ///< empty when the reference does not end in Type/id
    QString id;
    QString url; ///< the whole reference when it is absolute (http:, urn:), else empty
};
/// `isType` says which segments are resource types. Contained references ("#x") give nothing.
std::optional<ReferenceParts> parseReference(const QString &reference,
                                             const std::function<bool(const QString &)> &isType);

} // namespace fhir::server::search
