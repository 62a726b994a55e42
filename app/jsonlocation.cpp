#include "jsonlocation.h"

namespace fhir::app {

namespace {

/// A small scanner over JSON text that reports every value with its path; exact parsing is
/// nlohmann's job, this only needs positions.
class Scanner
{
public:
    Scanner(const QString &text, const QString &target)
        : m_text(text)
        , m_target(target)
    {
    }

    bool run()
    {
        skipSpace();
        return value(QString(), m_pos);
    }

    JsonSpan best() const { return m_best; }

private:
    void skipSpace()
    {
        while (m_pos < m_text.size() && m_text.at(m_pos).isSpace())
            ++m_pos;
    }

    bool string()
    {
        if (m_pos >= m_text.size() || m_text.at(m_pos) != u'"')
            return false;
        for (++m_pos; m_pos < m_text.size(); ++m_pos) {
            const QChar c = m_text.at(m_pos);
            if (c == u'\\')
                ++m_pos;
            else if (c == u'"') {
                ++m_pos;
                return true;
            }
        }
        return false;
    }

    void record(const QString &path, qsizetype start)
    {
        // The longest path that is the target or encloses it wins.
        const bool exact = path == m_target;
        const bool encloses = path.isEmpty()
            || (path.size() < m_target.size() && m_target.startsWith(path)
                && (m_target.at(path.size()) == u'.' || m_target.at(path.size()) == u'['));
        if (!exact && !encloses)
            return;
        if (exact || path.size() > m_bestLength) {
            m_best = {start, m_pos, exact};
            m_bestLength = exact ? m_target.size() + 1 : path.size();
        }
    }

    bool value(const QString &path, qsizetype start)
    {
        if (m_pos >= m_text.size())
            return false;
        const QChar c = m_text.at(m_pos);
        bool ok = true;
        if (c == u'{') {
            ++m_pos;
            skipSpace();
            if (m_pos < m_text.size() && m_text.at(m_pos) == u'}') {
                ++m_pos;
            } else {
                while (true) {
                    skipSpace();
                    const qsizetype keyStart = m_pos;
                    if (!string())
                        return false;
                    const QString key = m_text.mid(keyStart + 1, m_pos - keyStart - 2);
                    skipSpace();
                    if (m_pos >= m_text.size() || m_text.at(m_pos) != u':')
                        return false;
                    ++m_pos;
                    skipSpace();
                    if (!value(path.isEmpty() ? key : path + u'.' + key, keyStart))
                        return false;
                    skipSpace();
                    if (m_pos < m_text.size() && m_text.at(m_pos) == u',') {
                        ++m_pos;
                        continue;
                    }
                    if (m_pos < m_text.size() && m_text.at(m_pos) == u'}') {
                        ++m_pos;
                        break;
                    }
                    return false;
                }
            }
        } else if (c == u'[') {
            ++m_pos;
            skipSpace();
            if (m_pos < m_text.size() && m_text.at(m_pos) == u']') {
                ++m_pos;
            } else {
                for (int index = 0;; ++index) {
                    skipSpace();
                    if (!value(path + u'[' + QString::number(index) + u']', m_pos))
                        return false;
                    skipSpace();
                    if (m_pos < m_text.size() && m_text.at(m_pos) == u',') {
                        ++m_pos;
                        continue;
                    }
                    if (m_pos < m_text.size() && m_text.at(m_pos) == u']') {
                        ++m_pos;
                        break;
                    }
                    return false;
                }
            }
        } else if (c == u'"') {
            ok = string();
        } else {
            const qsizetype literal = m_pos;
            while (m_pos < m_text.size()
                   && (m_text.at(m_pos).isLetterOrNumber() || m_text.at(m_pos) == u'-'
                       || m_text.at(m_pos) == u'+' || m_text.at(m_pos) == u'.'))
                ++m_pos;
            ok = m_pos > literal;
        }
        if (ok)
            record(path, start);
        return ok;
    }

    const QString &m_text;
    const QString m_target;
    qsizetype m_pos = 0;
    JsonSpan m_best;
    qsizetype m_bestLength = -1;
};

} // namespace

JsonSpan locateJsonPath(const QString &json, const QString &location)
{
    // The first step names the resource type, which is the root object.
    qsizetype cut = 0;
    while (cut < location.size() && location.at(cut) != u'.' && location.at(cut) != u'[')
        ++cut;
    QString target = location.mid(cut);
    if (target.startsWith(u'.'))
        target.remove(0, 1);
    Scanner scanner(json, target);
    if (!scanner.run())
        return {};
    return scanner.best();
}

} // namespace fhir::app
