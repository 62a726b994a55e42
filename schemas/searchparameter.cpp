#include "searchparameter.h"

namespace fhir::schema {

QString searchParamTypeName(SearchParamType type)
{
    switch (type) {
    case SearchParamType::Number:
        return QStringLiteral("number");
    case SearchParamType::Date:
        return QStringLiteral("date");
    case SearchParamType::String:
        return QStringLiteral("string");
    case SearchParamType::Token:
        return QStringLiteral("token");
    case SearchParamType::Reference:
        return QStringLiteral("reference");
    case SearchParamType::Composite:
        return QStringLiteral("composite");
    case SearchParamType::Quantity:
        return QStringLiteral("quantity");
    case SearchParamType::Uri:
        return QStringLiteral("uri");
    case SearchParamType::Special:
        return QStringLiteral("special");
    }
    return QString();
}

QStringList modifiersForType(SearchParamType type)
{
    // R4 search.html §3.1.1.5 (Modifiers): the table of modifiers per parameter type.
    switch (type) {
    case SearchParamType::String:
        return {QStringLiteral("missing"), QStringLiteral("exact"), QStringLiteral("contains")};
    case SearchParamType::Token:
        return {QStringLiteral("missing"), QStringLiteral("text"),   QStringLiteral("not"),
                QStringLiteral("above"),   QStringLiteral("below"),  QStringLiteral("in"),
                QStringLiteral("not-in"),  QStringLiteral("of-type")};
    case SearchParamType::Reference:
        return {QStringLiteral("missing"), QStringLiteral("identifier"), QStringLiteral("above"),
                QStringLiteral("below")};
    case SearchParamType::Uri:
        return {QStringLiteral("missing"), QStringLiteral("above"), QStringLiteral("below")};
    case SearchParamType::Number:
    case SearchParamType::Date:
    case SearchParamType::Quantity:
    case SearchParamType::Composite:
    case SearchParamType::Special:
        return {QStringLiteral("missing")};
    }
    return {};
}

QStringList comparatorsForType(SearchParamType type)
{
    // R4 search.html §3.1.1.4.2 (Prefixes): number, date and quantity only.
    switch (type) {
    case SearchParamType::Number:
    case SearchParamType::Date:
    case SearchParamType::Quantity:
        return {QStringLiteral("eq"), QStringLiteral("ne"), QStringLiteral("gt"),
                QStringLiteral("lt"), QStringLiteral("ge"), QStringLiteral("le"),
                QStringLiteral("sa"), QStringLiteral("eb"), QStringLiteral("ap")};
    default:
        return {};
    }
}

QStringList splitUnion(const QString &expression)
{
    QStringList out;
    int depth = 0;
    QChar quote;
    qsizetype start = 0;
    for (qsizetype i = 0; i < expression.size(); ++i) {
        const QChar c = expression.at(i);
        if (!quote.isNull()) {
            if (c == QLatin1Char('\\'))
                ++i;
            else if (c == quote)
                quote = QChar();
        } else if (c == QLatin1Char('\'') || c == QLatin1Char('`')) {
            quote = c;
        } else if (c == QLatin1Char('(') || c == QLatin1Char('[')) {
            ++depth;
        } else if (c == QLatin1Char(')') || c == QLatin1Char(']')) {
            --depth;
        } else if (c == QLatin1Char('|') && depth == 0) {
            out.append(expression.mid(start, i - start).trimmed());
            start = i + 1;
        }
    }
    const QString last = expression.mid(start).trimmed();
    if (!last.isEmpty())
        out.append(last);
    return out;
}

namespace {

// Strips one pair of parentheses that encloses the whole text.
QString stripOuterParens(QString text)
{
    text = text.trimmed();
    while (text.startsWith(QLatin1Char('(')) && text.endsWith(QLatin1Char(')'))) {
        int depth = 0;
        bool enclosesAll = true;
        for (qsizetype i = 0; i < text.size(); ++i) {
            if (text.at(i) == QLatin1Char('('))
                ++depth;
            else if (text.at(i) == QLatin1Char(')') && --depth == 0 && i != text.size() - 1) {
                enclosesAll = false;
                break;
            }
        }
        if (!enclosesAll)
            break;
        text = text.mid(1, text.size() - 2).trimmed();
    }
    return text;
}

} // namespace

SearchPath searchPathOf(const QString &branch)
{
    SearchPath out;
    QString text = stripOuterParens(branch);

    // `X as T` at the top level (the official R4 spelling).
    int depth = 0;
    for (qsizetype i = 0; i < text.size(); ++i) {
        const QChar c = text.at(i);
        if (c == QLatin1Char('('))
            ++depth;
        else if (c == QLatin1Char(')'))
            --depth;
        else if (depth == 0 && text.mid(i, 4) == QLatin1String(" as ")) {
            out.typeHint = text.mid(i + 4).trimmed();
            text = stripOuterParens(text.left(i));
            break;
        }
    }

    // `(X as T).rest` (the R4 files) reads as `X.ofType(T).rest`.
    if (text.startsWith(QLatin1Char('('))) {
        int parens = 0;
        qsizetype close = 0;
        for (; close < text.size(); ++close) {
            if (text.at(close) == QLatin1Char('('))
                ++parens;
            else if (text.at(close) == QLatin1Char(')') && --parens == 0)
                break;
        }
        const SearchPath inner = searchPathOf(text.mid(1, close - 1));
        if (inner.path.isEmpty())
            return out;
        text = inner.path
            + (inner.typeHint.isEmpty()
                   ? QString()
                   : QLatin1String(".ofType(") + inner.typeHint + QLatin1Char(')'))
            + text.mid(close + 1);
    }

    // Walk dot-separated segments; functions that filter keep the path, a type filter in
    // either spelling (`.as(T)`, `.ofType(T)`) sets the hint, anything else ends the path.
    QStringList segments;
    bool filteredByFunction = false;
    qsizetype i = 0;
    while (i < text.size()) {
        qsizetype j = i;
        while (j < text.size()
               && (text.at(j).isLetterOrNumber() || text.at(j) == QLatin1Char('_')
                   || text.at(j) == QLatin1Char('%')))
            ++j;
        const QString name = text.mid(i, j - i);
        if (name.isEmpty())
            break;
        if (j < text.size() && text.at(j) == QLatin1Char('(')) {
            int parens = 0;
            qsizetype k = j;
            for (; k < text.size(); ++k) {
                if (text.at(k) == QLatin1Char('('))
                    ++parens;
                else if (text.at(k) == QLatin1Char(')') && --parens == 0)
                    break;
            }
            const QString argument = text.mid(j + 1, k - j - 1).trimmed();
            if (name == QLatin1String("as") || name == QLatin1String("ofType")) {
                out.typeHint = argument;
                filteredByFunction = true;
            } else if (name != QLatin1String("where") && name != QLatin1String("first")
                       && name != QLatin1String("last") && name != QLatin1String("single"))
                break;
            j = k + 1;
        } else {
            if (filteredByFunction && !segments.isEmpty()) {
                // A path continues past a type filter: `(value as Quantity).value`.
                segments.last() += out.typeHint.left(1).toUpper() + out.typeHint.mid(1);
                out.typeHint.clear();
                filteredByFunction = false;
            }
            segments.append(name);
        }
        while (j < text.size() && text.at(j) == QLatin1Char('[')) {
            const qsizetype close = text.indexOf(QLatin1Char(']'), j);
            j = close < 0 ? text.size() : close + 1;
        }
        if (j >= text.size() || text.at(j) != QLatin1Char('.'))
            break;
        i = j + 1;
    }
    out.path = segments.join(QLatin1Char('.'));
    return out;
}

QString SearchParameter::expressionFor(const QString &resourceType) const
{
    QStringList mine;
    const QStringList branches = splitUnion(expression);
    for (const QString &branch : branches) {
        const QString root = searchPathOf(branch).path.section(QLatin1Char('.'), 0, 0);
        // A few R4 expressions start at the resource without naming it (`name | alias`).
        const bool relative = !root.isEmpty() && root.at(0).isLower();
        if (relative || root == resourceType || root == QLatin1String("Resource")
            || root == QLatin1String("DomainResource"))
            mine.append(branch);
    }
    return mine.join(QLatin1String(" | "));
}

QList<SearchPath> SearchParameter::pathsFor(const QString &resourceType) const
{
    QList<SearchPath> out;
    const QStringList branches = splitUnion(expressionFor(resourceType));
    for (const QString &branch : branches) {
        SearchPath p = searchPathOf(branch);
        if (p.path.isEmpty())
            continue;
        // Inherited parameters are written on Resource / DomainResource.
        const QString root = p.path.section(QLatin1Char('.'), 0, 0);
        if (root.at(0).isLower())
            p.path = resourceType + QLatin1Char('.') + p.path;
        else if (root != resourceType)
            p.path = resourceType + p.path.mid(root.size());
        out.append(p);
    }
    return out;
}

} // namespace fhir::schema
