#include "importreader.h"

#include <QFileInfo>

using nlohmann::json;

namespace fhir::server {

namespace {

// nlohmann's message without its "[json.exception.parse_error.101] " prefix.
QString parseMessage(const json::exception &e)
{
    QString message = QString::fromUtf8(e.what());
    if (message.startsWith(QLatin1Char('['))) {
        const qsizetype close = message.indexOf(QLatin1String("] "));
        if (close > 0)
            message = message.mid(close + 2);
    }
    return message;
}

Result<json> parseJson(const QByteArray &bytes)
{
    try {
        return json::parse(bytes.constData(), bytes.constData() + bytes.size());
    } catch (const json::exception &e) {
        return Error{QStringLiteral("not valid JSON: %1").arg(parseMessage(e))};
    }
}

// One line, up to `limit` bytes, read in small steps so that a short line costs little and a
// huge one cannot take more than the limit. Returns false when the line was longer (the rest
// of it is consumed and dropped).
bool readLineBounded(QFile &file, QByteArray &line, qint64 limit)
{
    constexpr qint64 kStep = 64 * 1024;
    line.clear();
    bool fits = true;
    while (!file.atEnd()) {
        const qsizetype used = line.size();
        if (fits && used + kStep > limit)
            fits = false;
        if (!fits)
            line.resize(0);
        const qsizetype at = line.size();
        line.resize(at + kStep + 1);
        const qint64 n = file.readLine(line.data() + at, kStep + 1);
        line.resize(at + (n > 0 ? n : 0));
        if (n <= 0 || line.endsWith('\n'))
            break;
    }
    return fits;
}

bool isBlank(const QByteArray &line)
{
    for (const char c : line) {
        if (c != ' ' && c != '\t' && c != '\r' && c != '\n')
            return false;
    }
    return true;
}

} // namespace

QString ImportProblem::text() const
{
    if (line > 0)
        return QStringLiteral("line %1: %2").arg(line).arg(message);
    if (entry >= 0)
        return QStringLiteral("entry %1: %2").arg(entry).arg(message);
    return message;
}

std::optional<QString> ImportReader::checkResource(const json &value)
{
    if (!value.is_object())
        return QStringLiteral("not a JSON object");
    const auto rt = value.find("resourceType");
    if (rt == value.end() || !rt->is_string() || rt->get_ref<const std::string &>().empty())
        return QStringLiteral("no resourceType: not a FHIR resource");
    return std::nullopt;
}

bool ImportReader::sendsWholeBundle() const
{
    return m_kind == ImportFileKind::Bundle
        && (m_bundleType == QLatin1String("transaction") || m_bundleType == QLatin1String("batch"));
}

Result<std::unique_ptr<ImportReader>> ImportReader::open(const QString &path)
{
    std::unique_ptr<ImportReader> reader(new ImportReader);
    reader->m_file.setFileName(path);
    if (!reader->m_file.open(QIODevice::ReadOnly))
        return Error{QStringLiteral("cannot open %1: %2").arg(path, reader->m_file.errorString())};
    reader->m_size = reader->m_file.size();

    // NDJSON: the first non-blank line is a whole JSON object and another line follows.
    QByteArray first;
    while (!reader->m_file.atEnd() && isBlank(first))
        readLineBounded(reader->m_file, first, kMaxLineBytes);
    if (isBlank(first))
        return Error{QStringLiteral("%1 is empty").arg(path)};
    const json firstValue
        = json::parse(first.constData(), first.constData() + first.size(), nullptr, false);
    bool more = false;
    QByteArray line;
    while (!reader->m_file.atEnd() && !more) {
        readLineBounded(reader->m_file, line, kMaxLineBytes);
        more = !isBlank(line);
    }
    const QString suffix = QFileInfo(path).suffix().toLower();
    const bool ndjsonName = suffix == QLatin1String("ndjson") || suffix == QLatin1String("jsonl");
    if (ndjsonName || (!firstValue.is_discarded() && firstValue.is_object() && more)) {
        reader->m_kind = ImportFileKind::Ndjson;
        reader->m_file.seek(0);
        return reader;
    }

    // One JSON document: a resource or a Bundle, read whole.
    reader->m_file.seek(0);
    Result<json> document = parseJson(reader->m_file.readAll());
    reader->m_done = true;
    if (!document)
        return Error{QStringLiteral("%1 is %2").arg(path, document.error())};
    if (const auto problem = checkResource(*document))
        return Error{QStringLiteral("%1: %2").arg(path, *problem)};
    if ((*document)["resourceType"] != "Bundle") {
        reader->m_kind = ImportFileKind::Resource;
        reader->m_pending.push_back({std::move(*document), 0, -1});
        return reader;
    }
    reader->m_kind = ImportFileKind::Bundle;
    reader->m_bundleType = QString::fromStdString(document->value("type", std::string()));
    if (reader->sendsWholeBundle()) {
        reader->m_pending.push_back({std::move(*document), 0, -1});
        return reader;
    }
    const json entries = document->value("entry", json::array());
    for (size_t i = 0; i < entries.size(); ++i) {
        const json &entry = entries[i];
        if (!entry.is_object() || !entry.contains("resource")) {
            reader->m_openProblems.append({0, int(i), QStringLiteral("the entry has no resource")});
            continue;
        }
        if (const auto problem = checkResource(entry["resource"])) {
            reader->m_openProblems.append({0, int(i), *problem});
            continue;
        }
        reader->m_pending.push_back({entry["resource"], 0, int(i)});
    }
    return reader;
}

bool ImportReader::next(std::vector<ImportItem> &items, QList<ImportProblem> &problems, int max)
{
    if (m_kind != ImportFileKind::Ndjson) {
        problems += m_openProblems;
        m_openProblems.clear();
        while (m_pendingAt < m_pending.size() && max-- > 0)
            items.push_back(std::move(m_pending[m_pendingAt++]));
        return m_pendingAt < m_pending.size();
    }
    int added = 0;
    while (added < max && !m_file.atEnd()) {
        const bool fits = readLineBounded(m_file, m_lineBuffer, kMaxLineBytes);
        ++m_line;
        if (!fits) {
            problems.append(
                {m_line, -1, QStringLiteral("longer than %1 bytes; skipped").arg(kMaxLineBytes)});
            continue;
        }
        const QByteArray &line = m_lineBuffer;
        if (isBlank(line))
            continue;
        Result<json> value = parseJson(line);
        if (!value) {
            problems.append({m_line, -1, value.error()});
            continue;
        }
        if (const auto problem = checkResource(*value)) {
            problems.append({m_line, -1, *problem});
            continue;
        }
        items.push_back({std::move(*value), m_line, -1});
        ++added;
    }
    return !m_file.atEnd();
}

qint64 ImportReader::bytesRead() const
{
    return m_kind == ImportFileKind::Ndjson ? m_file.pos() : m_size;
}

} // namespace fhir::server
