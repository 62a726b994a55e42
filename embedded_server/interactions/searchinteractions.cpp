#include "embedded_server/fhirserver_p.h"

#include "embedded_server/search/searchvalues.h"

#include <QUrl>
#include <QUrlQuery>
#include <QUuid>

using namespace Qt::StringLiterals;

namespace fhir::server {

namespace {

/// Percent-encodes a query for links, '+' included (clients read a bare '+' as a space).
QString encodeQuery(const QList<QPair<QString, QString>> &items)
{
    QByteArray out;
    for (const auto &[key, value] : items) {
        if (!out.isEmpty())
            out += '&';
        out += QUrl::toPercentEncoding(key) + '=' + QUrl::toPercentEncoding(value);
    }
    return QString::fromLatin1(out);
}

/// `criteria` and `reach` both.
void confine(Result<search::Criteria> &criteria, const SqlCondition &reach)
{
    if (!criteria || reach.isEverything())
        return;
    criteria.value().where = '(' + criteria->where + ") AND (" + reach.text + ')';
    criteria.value().values += reach.values;
}

} // namespace

void FhirServer::Private::confineIncludes(Result<search::ResultOptions> &result)
{
    if (!result)
        return;
    auto readable = policy->reach(principal, QString(), Read, options.baseUrl, clock());
    if (!readable) {
        result.value().includeAccess = "0";
    } else if (!readable->isEverything()) {
        result.value().includeAccess = readable->text;
        result.value().includeAccessValues = readable->values;
    }
}

Failure FhirServer::Private::pageParameters(const QList<QPair<QString, QString>> &params,
                                            qint64 *count, qint64 *offset) const
{
    *count = options.defaultCount;
    *offset = 0;
    for (const auto &[name, value] : params) {
        if (name != u"_count"_s && name != u"_offset"_s)
            continue;
        bool ok = false;
        const qint64 number = value.toLongLong(&ok);
        if (!ok || number < 0) {
            return makeError(ErrorKind::Invalid,
                             u"%1 must be a whole number of 0 or more"_s.arg(name));
        }
        if (name == u"_count"_s) {
            if (number > options.maxCount) {
                return makeError(ErrorKind::Invalid,
                                 u"_count=%1 is over this server's limit of %2"_s.arg(number).arg(
                                     options.maxCount));
            }
            *count = number;
        } else {
            *offset = number;
        }
    }
    return {};
}

Json FhirServer::Private::links(const QString &path, const QList<QPair<QString, QString>> &kept,
                                qint64 count, qint64 offset, std::optional<qint64> total,
                                bool more) const
{
    auto url = [&](qint64 pageOffset) {
        QList<QPair<QString, QString>> items = kept;
        items.append({u"_count"_s, QString::number(count)});
        if (pageOffset > 0)
            items.append({u"_offset"_s, QString::number(pageOffset)});
        return QString(options.baseUrl + path + u'?' + encodeQuery(items)).toStdString();
    };
    Json list = Json::array();
    list.push_back({{"relation", "self"}, {"url", url(offset)}});
    if (count > 0 && more)
        list.push_back({{"relation", "next"}, {"url", url(offset + count)}});
    if (count > 0 && offset > 0)
        list.push_back(
            {{"relation", "previous"}, {"url", url(std::max<qint64>(0, offset - count))}});
    if (count > 0) {
        list.push_back({{"relation", "first"}, {"url", url(0)}});
        if (total)
            list.push_back({{"relation", "last"},
                            {"url", url(*total > 0 ? (*total - 1) / count * count : 0)}});
    }
    return list;
}

Response FhirServer::Private::history(const Context &ctx, const QString &type, const QString &id)
{
    HistoryQuery query;
    query.type = type;
    query.id = id;
    QList<QPair<QString, QString>> kept;
    for (const auto &[name, value] : ctx.request.query) {
        if (name == u"_count"_s || name == u"_offset"_s || name == u"_format"_s
            || name == u"_pretty"_s)
            continue;
        if (name == u"_since"_s) {
            const auto since = search::parseDate(value);
            if (!since) {
                return errorResponse(
                    makeError(ErrorKind::Invalid, u"_since must be a FHIR instant"_s));
            }
            query.sinceMs = since->low;
            kept.append({name, value});
            continue;
        }
        if (name == u"_at"_s) {
            // http.html#history: the versions current at some point of the period the value
            // names (a day, a second...). One period only.
            const auto at = search::parseDate(value);
            if (!at || query.atMs) {
                return errorResponse(
                    makeError(ErrorKind::Invalid, u"_at must be one FHIR date or dateTime"_s));
            }
            query.atMs = std::pair{at->low, at->high};
            kept.append({name, value});
            continue;
        }
        if (ctx.prefs.handling == Handling::Lenient)
            continue;
        return errorResponse(makeError(
            ErrorKind::Invalid,
            u"the history parameter %1 is not supported by this server"_s.arg(name.left(80))));
    }
    if (auto failure = pageParameters(ctx.request.query, &query.count, &query.offset))
        return errorResponse(*failure);
    // The index knows resources as they are now: the history of one resource is seen through
    // it; a type's or the server's history only by a principal that may read all of it.
    SqlCondition reach;
    if (auto failure = permitted(type, Read, &reach, u"history"_s))
        return errorResponse(*failure);
    if (id.isEmpty() && !reach.isEverything())
        return errorResponse(AuthGate::insufficientScope(
            u"the history of %1 is open only to a token that may read all of it; this one's "
            "scopes (%2) are confined to a patient or a filter"_s.arg(
                type.isEmpty() ? u"the whole server"_s : type, principal.scopes.toString())));
    if (!id.isEmpty()) {
        auto current = store->current(type, id);
        if (!current)
            return internal(current.error());
        if (!current->has_value())
            return errorResponse(
                makeError(ErrorKind::NotFound, u"%1/%2 is not known"_s.arg(type, id)));
        if (auto visible = within(reach, type, id); !visible)
            return internal(visible.error());
        else if (!*visible)
            return errorResponse(outOfReach(type, id));
    }
    auto page = store->history(query);
    if (!page)
        return internal(page.error());

    QString path;
    if (!type.isEmpty())
        path += u'/' + type;
    if (!id.isEmpty())
        path += u'/' + id;
    path += u"/_history"_s;

    Json entries = Json::array();
    for (const StoredVersion &v : page->versions) {
        Json entry = Json::object();
        entry["fullUrl"] = QString(options.baseUrl + u'/' + v.type + u'/' + v.id).toStdString();
        if (!v.deleted)
            entry["resource"] = Json::parse(v.content.toStdString());
        const bool post = v.method == "POST";
        entry["request"] = {{"method", v.method.toStdString()},
                            {"url", (post ? v.type : QString(v.type + u'/' + v.id)).toStdString()}};
        const int status = v.deleted ? 204 : (post || v.version == 1) ? 201 : 200;
        entry["response"]
            = {{"status",
                QByteArray(QByteArray::number(status) + ' ' + reasonPhrase(status)).toStdString()},
               {"etag", etag(v.version).toStdString()},
               {"lastModified", instant(v.lastUpdatedMs).toStdString()}};
        entries.push_back(std::move(entry));
    }
    Json bundle = Json::object();
    bundle["resourceType"] = "Bundle";
    bundle["id"] = QUuid::createUuid().toString(QUuid::WithoutBraces).toStdString();
    bundle["meta"] = {{"lastUpdated", instant(clock()).toStdString()}};
    bundle["type"] = "history";
    bundle["total"] = page->total;
    bundle["link"] = links(path, kept, query.count, query.offset, page->total,
                           query.offset + query.count < page->total);
    if (!entries.empty())
        bundle["entry"] = std::move(entries);
    return json(ctx, 200, bundle);
}

Result<QList<QPair<QString, QString>>> FhirServer::Private::searchParams(const Context &ctx,
                                                                         bool post) const
{
    QList<QPair<QString, QString>> params = ctx.request.query;
    if (post && !ctx.request.body.isEmpty()) {
        if (mediaType(ctx.request.header("Content-Type")) != "application/x-www-form-urlencoded")
            return Error{u"POST _search takes a body of application/x-www-form-urlencoded"_s};
        const QUrlQuery form(QString::fromUtf8(ctx.request.body));
        params.append(form.queryItems(QUrl::FullyDecoded));
    }
    return params;
}

Response FhirServer::Private::systemSearch(const Context &ctx, bool post)
{
    auto params = searchParams(ctx, post);
    if (!params)
        return errorResponse(makeError(ErrorKind::UnsupportedMediaType, params.error()));
    QStringList types;
    for (const auto &[name, value] : *params) {
        if (name != u"_type"_s)
            continue;
        for (const QString &t : value.split(u',')) {
            const QString type = t.trimmed();
            if (!resourceTypes.contains(type))
                return errorResponse(
                    makeError(ErrorKind::Invalid,
                              u"_type: '%1' is not a FHIR R4 resource type"_s.arg(type.left(100))));
            if (!types.contains(type))
                types.append(type);
        }
    }
    SqlCondition reach;
    for (const QString &type : std::as_const(types)) {
        if (auto failure = permitted(type, Search, &reach))
            return errorResponse(*failure);
    }
    if (auto failure = permitted(QString(), Search, &reach))
        return errorResponse(*failure);
    if (auto failure = checkJoins(*params))
        return errorResponse(*failure);
    auto criteria
        = engine->criteria(types, *params, ctx.prefs.handling == Handling::Strict,
                           ctx.prefs.handling == Handling::Lenient, options.baseUrl, clock());
    confine(criteria, reach);
    auto result = engine->resultOptions(types, *params, {options.defaultCount, options.maxCount});
    confineIncludes(result);
    return searchPage(ctx, std::move(criteria), std::move(result), QString());
}

Response FhirServer::Private::search(const Context &ctx, const QString &type, bool post)
{
    auto params = searchParams(ctx, post);
    if (!params)
        return errorResponse(makeError(ErrorKind::UnsupportedMediaType, params.error()));
    SqlCondition reach;
    if (auto failure = permitted(type, Search, &reach))
        return errorResponse(*failure);
    if (auto failure = checkJoins(*params))
        return errorResponse(*failure);
    auto criteria = engine->criteria(type, *params, ctx.prefs.handling == Handling::Strict,
                                     options.baseUrl, clock());
    confine(criteria, reach);
    auto result = engine->resultOptions(type, *params, {options.defaultCount, options.maxCount});
    confineIncludes(result);
    return searchPage(ctx, std::move(criteria), std::move(result), u'/' + type);
}

Response FhirServer::Private::searchPage(const Context &ctx, Result<search::Criteria> criteria,
                                         Result<search::ResultOptions> result, const QString &path)
{
    if (!criteria)
        return errorResponse(makeError(ErrorKind::Invalid, criteria.error()));
    if (!result)
        return errorResponse(makeError(ErrorKind::Invalid, result.error()));
    if (result->summary == search::Summary::Count)
        result.value().count = 0;
    auto page = engine->run(*criteria, *result);
    if (!page)
        return internal(page.error());
    return json(ctx, 200, searchBundle(path, criteria->kept + result->kept, *result, *page));
}

Json FhirServer::Private::searchBundle(const QString &path,
                                       const QList<QPair<QString, QString>> &kept,
                                       const search::ResultOptions &result,
                                       const search::SearchPage &page)
{
    Json entries = Json::array();
    auto add = [&](const StoredVersion &v, const char *mode) {
        Json resource
            = Json::parse(v.content.constData(), v.content.constData() + v.content.size());
        subsetter->apply(resource, result.summary, result.elements);
        entries.push_back(
            {{"fullUrl", QString(options.baseUrl + u'/' + v.type + u'/' + v.id).toStdString()},
             {"resource", std::move(resource)},
             {"search", {{"mode", mode}}}});
    };
    for (const StoredVersion &v : page.matches)
        add(v, "match");
    for (const StoredVersion &v : page.included)
        add(v, "include");
    Json bundle = Json::object();
    bundle["resourceType"] = "Bundle";
    bundle["id"] = QUuid::createUuid().toString(QUuid::WithoutBraces).toStdString();
    bundle["meta"] = {{"lastUpdated", instant(clock()).toStdString()}};
    bundle["type"] = "searchset";
    if (page.total)
        bundle["total"] = *page.total;
    bundle["link"] = links(path, kept, result.count, result.offset, page.total, page.more);
    if (!entries.empty())
        bundle["entry"] = std::move(entries);
    return bundle;
}

Response FhirServer::Private::everything(const Context &ctx, const QString &id)
{
    // The patient must be one the principal may read; what comes with it, what it may read.
    SqlCondition reach;
    if (auto failure = permitted(u"Patient"_s, Read, &reach, u"$everything"_s))
        return errorResponse(*failure);
    if (id.isEmpty() && !AccessPolicy::unrestricted(principal, Read))
        return errorResponse(AuthGate::insufficientScope(
            u"Patient/$everything (every patient) is open only to a token that may read every "
            "resource; this one's scopes are %1. Ask for Patient/[id]/$everything"_s.arg(
                principal.scopes.toString())));
    if (!id.isEmpty()) {
        if (auto visible = within(reach, u"Patient"_s, id); !visible)
            return internal(visible.error());
        else if (!*visible)
            return errorResponse(outOfReach(u"Patient"_s, id));
        auto current = store->current(u"Patient"_s, id);
        if (!current)
            return internal(current.error());
        if (!current->has_value())
            return errorResponse(
                makeError(ErrorKind::NotFound, u"Patient/%1 is not known"_s.arg(id)));
        if ((*current)->deleted)
            return errorResponse(makeError(ErrorKind::Gone, u"Patient/%1 was deleted"_s.arg(id)));
    }
    search::ResultOptions result;
    search::SearchEngine::EverythingFilter filter;
    std::optional<search::DateRange> start;
    std::optional<search::DateRange> end;
    QList<QPair<QString, QString>> kept;
    for (const auto &[name, value] : ctx.request.query) {
        if (name == u"_since"_s) {
            const auto range = search::parseDate(value);
            if (!range)
                return errorResponse(
                    makeError(ErrorKind::Invalid, u"_since must be a FHIR instant"_s));
            filter.sinceMs = range->low;
        } else if (name == u"start"_s || name == u"end"_s) {
            const auto range = search::parseDate(value);
            if (!range)
                return errorResponse(makeError(
                    ErrorKind::Invalid,
                    u"%1 must be a FHIR date such as 2024-03-01, not '%2'"_s.arg(name, value)));
            (name == u"start"_s ? start : end) = range;
        } else if (name == u"_type"_s) {
            for (const QString &listed : value.split(u',')) {
                const QString type = listed.trimmed();
                if (!resourceTypes.contains(type))
                    return errorResponse(
                        makeError(ErrorKind::Invalid,
                                  u"_type: '%1' is not a FHIR R4 resource type"_s.arg(type)));
                filter.types.append(type);
            }
        } else {
            continue;
        }
        kept.append({name, value});
    }
    if (start || end) {
        // A missing start takes everything before the end, a missing end everything after
        // the start; each bound covers its whole precision ("2024" is the year).
        filter.care = search::DateRange{};
        if (start)
            filter.care->low = start->low;
        if (end)
            filter.care->high = end->high;
        if (filter.care->low >= filter.care->high)
            return errorResponse(makeError(ErrorKind::Invalid, u"start is after end"_s));
    }
    if (auto failure = pageParameters(ctx.request.query, &result.count, &result.offset))
        return errorResponse(*failure);
    if (auto readable = policy->reach(principal, QString(), Read, options.baseUrl, clock());
        readable && !readable->isEverything()) {
        filter.access = readable->text;
        filter.accessValues = readable->values;
    }
    auto page = engine->everything(id, filter, result.count, result.offset);
    if (!page)
        return internal(page.error());
    const QString path
        = id.isEmpty() ? u"/Patient/$everything"_s : u"/Patient/"_s + id + u"/$everything"_s;
    return json(ctx, 200, searchBundle(path, kept, result, *page));
}

} // namespace fhir::server
