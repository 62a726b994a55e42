#include "embedded_server/fhirserver_p.h"

#include <QLocale>
#include <QUrl>
#include <QUrlQuery>
#include <QUuid>

#include <algorithm>
#include <numeric>

using namespace Qt::StringLiterals;

namespace fhir::server {

namespace {

/// The instant of an HTTP date as httpDate() writes it ("Sun, 29 Nov 2026 15:25:41 GMT"), in
/// ISO 8601 ("2026-11-29T15:25:41Z"); rearranged, not parsed: a transaction answers one per
/// entry.
std::string isoFromHttpDate(const QByteArray &date)
{
    static const QByteArrayList months
        = {"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    const qsizetype month = date.size() == 29 ? months.indexOf(date.mid(8, 3)) : -1;
    if (month < 0 || !date.endsWith(" GMT")) {
        QDateTime when = QLocale::c().toDateTime(QString::fromLatin1(date.chopped(4)),
                                                 u"ddd, dd MMM yyyy hh:mm:ss"_s);
        when.setTimeSpec(Qt::UTC);
        return when.toString(Qt::ISODate).toStdString();
    }
    const char monthText[] = {char('0' + (month + 1) / 10), char('0' + (month + 1) % 10), 0};
    return date.mid(12, 4).toStdString() + '-' + monthText + '-' + date.mid(5, 2).toStdString()
        + 'T' + date.mid(17, 8).toStdString() + 'Z';
}

/// Replaces `urn:uuid:` references by the ids a transaction assigned, and conditional
/// references ("Patient?identifier=x|1") by what `conditional` resolves them to, anywhere in a
/// resource. Stops at the first failure.
Failure rewriteReferences(Json &value, const QHash<QString, QString> &ids,
                          const std::function<Failure(const QString &, QString *)> &conditional)
{
    if (value.is_object()) {
        for (auto it = value.begin(); it != value.end(); ++it) {
            if (it.key() == "reference" && it.value().is_string()) {
                const QString ref = QString::fromStdString(it.value().get<std::string>());
                if (ref.startsWith(u"urn:uuid:"_s) || ref.startsWith(u"urn:oid:"_s)) {
                    const auto found = ids.constFind(ref);
                    if (found == ids.cend())
                        return makeError(ErrorKind::Invalid,
                                         u"%1 is not the fullUrl of any entry"_s.arg(ref));
                    it.value() = found->toStdString();
                } else if (ref.contains(u'?')) {
                    QString resolved;
                    if (auto failure = conditional(ref, &resolved))
                        return failure;
                    it.value() = resolved.toStdString();
                }
            } else if (auto failure = rewriteReferences(it.value(), ids, conditional)) {
                return failure;
            }
        }
    } else if (value.is_array()) {
        for (Json &item : value) {
            if (auto failure = rewriteReferences(item, ids, conditional))
                return failure;
        }
    }
    return {};
}

/// A batch or transaction PATCH entry (http.html#transaction) carries a Binary with a JSON
/// Patch, whose body and Content-Type this sets, or a Parameters with a FHIRPath Patch, sent
/// like any other entry resource (after its urn:uuid references are resolved). Returns why
/// the entry cannot be a patch, or nothing.
std::optional<QString> patchEntry(const Json &resource, QByteArray *contentType, QByteArray *body)
{
    const std::string type = resource.value("resourceType", std::string());
    if (type == "Parameters")
        return std::nullopt;
    if (type != "Binary")
        return u"a PATCH entry carries a Binary (JSON Patch) or a Parameters (FHIRPath Patch)"_s;
    const std::string binaryType = resource.value("contentType", std::string());
    if (QByteArray::fromStdString(binaryType).toLower() != jsonPatchType)
        return u"the Binary of a PATCH entry must have contentType application/json-patch+json"_s;
    const auto data = QByteArray::fromBase64Encoding(
        QByteArray::fromStdString(resource.value("data", std::string())),
        QByteArray::AbortOnBase64DecodingErrors);
    if (!data)
        return u"Binary.data of a PATCH entry is not base64"_s;
    *contentType = jsonPatchType.toByteArray();
    *body = *data;
    return std::nullopt;
}

} // namespace

Response FhirServer::Private::bundle(const Context &ctx)
{
    Json input;
    if (auto failure = parseResource(ctx.request, u"Bundle"_s, input, Content::ShapeOnly))
        return errorResponse(*failure);
    const auto typeIt = input.find("type");
    const std::string kind
        = typeIt != input.end() && typeIt->is_string() ? typeIt->get<std::string>() : std::string();
    const bool transaction = kind == "transaction";
    if (!transaction && kind != "batch") {
        return errorResponse(makeError(ErrorKind::Invalid,
                                       u"a Bundle posted to the base URL must be of type batch or "
                                       "transaction"_s,
                                       {u"Bundle.type"_s}));
    }
    Json entries = Json::array();
    if (const auto it = input.find("entry"); it != input.end()) {
        if (!it->is_array())
            return errorResponse(makeError(ErrorKind::Invalid, u"Bundle.entry must be an array"_s,
                                           {u"Bundle.entry"_s}));
        entries = std::move(*it);
    }
    if (entries.size() > size_t(options.maxBundleEntries)) {
        return errorResponse(makeError(
            ErrorKind::TooLarge,
            u"the Bundle has %1 entries; this server takes at most %2"_s.arg(entries.size())
                .arg(options.maxBundleEntries)));
    }

    // Read every entry into a sub-request first; a transaction refuses any bad entry before
    // touching the store.
    struct Item
    {
        QByteArray method;
        QString url; ///< as written in the entry, for messages
        QString path;
        QList<QPair<QString, QString>> query;
        HeaderList headers;
        Json resource;
        QByteArray contentType; ///< a PATCH entry's patch, from its Binary or Parameters
        QByteArray body;
        QString assignedId;
        QString identity; ///< "Type/id" written by the entry, for the duplicate check
        Failure failure;
    };
    QList<Item> items(qsizetype(entries.size()));
    QHash<QString, QString> assigned; // urn:uuid:... -> Type/id
    const QString baseUrlPrefix = options.baseUrl + u'/';
    for (qsizetype i = 0; i < items.size(); ++i) {
        Item &item = items[i];
        Json &entry = entries[size_t(i)];
        const QString where = u"Bundle.entry[%1]"_s.arg(i);
        auto fail = [&](const QString &message, const QString &path) {
            item.failure = makeError(ErrorKind::Invalid, message, {where + path});
        };
        const Json *request = nullptr;
        if (entry.is_object()) {
            if (const auto it = entry.find("request"); it != entry.end() && it->is_object())
                request = &*it;
        }
        const auto text = [&](const char *key) -> QString {
            if (!request)
                return {};
            const auto it = request->find(key);
            return it != request->end() && it->is_string()
                ? QString::fromStdString(it->get<std::string>())
                : QString();
        };
        item.method = text("method").toLatin1();
        item.url = text("url");
        if (!request || item.method.isEmpty() || item.url.isEmpty()) {
            fail(u"the entry needs request.method and request.url"_s, u".request"_s);
            continue;
        }
        static const QList<QByteArray> methods = {"GET", "HEAD", "POST", "PUT", "DELETE", "PATCH"};
        if (!methods.contains(item.method)) {
            fail(u"request.method must be one of GET HEAD POST PUT DELETE PATCH"_s,
                 u".request.method"_s);
            continue;
        }
        for (const char *conditional : {"ifNoneMatch", "ifModifiedSince"}) {
            if (request->contains(conditional))
                fail(
                    u"request.%1 (a conditional interaction) is not supported by this server"_s.arg(
                        QLatin1String(conditional)),
                    u".request"_s);
        }
        if (item.failure)
            continue;
        if (const QString ifMatch = text("ifMatch"); !ifMatch.isEmpty())
            item.headers.append({"If-Match", ifMatch.toUtf8()});
        if (const QString ifNoneExist = text("ifNoneExist"); !ifNoneExist.isEmpty())
            item.headers.append({"If-None-Exist", ifNoneExist.toUtf8()});
        QString url = item.url;
        if (url.startsWith(baseUrlPrefix))
            url = url.mid(baseUrlPrefix.size());
        if (url.section(u'?', 0, 0).contains(u"://"_s) || url.startsWith(u'/') || url.isEmpty()) {
            fail(u"request.url must be relative to this server's base"_s, u".request.url"_s);
            continue;
        }
        const qsizetype question = url.indexOf(u'?');
        item.path = FhirServer::basePath() + u'/'
            + QUrl::fromPercentEncoding((question < 0 ? url : url.left(question)).toUtf8());
        if (question >= 0)
            item.query = QUrlQuery(url.mid(question + 1)).queryItems(QUrl::FullyDecoded);
        const QStringList parts = item.path.mid(FhirServer::basePath().size() + 1).split(u'/');

        if (const auto it = entry.find("resource"); it != entry.end()) {
            if (!it->is_object()) {
                fail(u"entry.resource must be an object"_s, u".resource"_s);
                continue;
            }
            item.resource = std::move(*it);
        }
        const bool writes = item.method == "POST" || item.method == "PUT" || item.method == "PATCH";
        if (writes && item.resource.is_null()) {
            fail(u"a %1 entry needs a resource"_s.arg(QString::fromLatin1(item.method)),
                 u".resource"_s);
            continue;
        }
        if (item.method == "PATCH") {
            if (auto bad = patchEntry(item.resource, &item.contentType, &item.body)) {
                fail(*bad, u".resource"_s);
                continue;
            }
        }
        if (item.method == "PUT" || item.method == "DELETE" || item.method == "PATCH") {
            if (parts.size() == 2)
                item.identity = parts[0] + u'/' + parts[1];
        }
        if (transaction && item.method == "POST" && parts.size() == 1
            && resourceTypes.contains(parts[0])) {
            item.assignedId = QUuid::createUuid().toString(QUuid::WithoutBraces);
            item.identity = parts[0] + u'/' + item.assignedId;
            const auto fullUrl = entry.find("fullUrl");
            if (fullUrl != entry.end() && fullUrl->is_string()) {
                const QString key = QString::fromStdString(fullUrl->get<std::string>());
                if (key.startsWith(u"urn:uuid:"_s) || key.startsWith(u"urn:oid:"_s)) {
                    if (assigned.contains(key)) {
                        fail(u"the fullUrl %1 appears twice"_s.arg(key), u".fullUrl"_s);
                        continue;
                    }
                    assigned.insert(key, item.identity);
                }
            }
        }
    }

    auto entryError = [&](qsizetype i, const ServerError &error) {
        ServerError copy = error;
        copy.diagnostics = u"entry %1 (%2 %3): "_s.arg(i).arg(QString::fromLatin1(items[i].method),
                                                              items[i].url.left(200))
            + error.diagnostics;
        return errorResponse(copy);
    };
    // A transaction reads the store (conditional creates and references) and writes it in one
    // SQLite transaction, all or nothing, so its entries need no savepoints of their own.
    // A batch runs in one SQLite transaction too, for speed: each entry's write is a savepoint
    // in it, undone alone when the entry fails, and what succeeded is committed once at the
    // end instead of once per entry.
    std::optional<Store::Transaction> outer;
    outer.emplace(*store,
                  transaction ? Store::Transaction::Nesting::AllOrNothing
                              : Store::Transaction::Nesting::Savepoints);
    if (!outer->isActive())
        return internal(outer->error());
    if (transaction) {
        // A conditional create that finds its resource stands for it: references to its
        // fullUrl point at the match (http.html#trules).
        for (qsizetype i = 0; i < items.size(); ++i) {
            Item &item = items[i];
            const QByteArray criteria = headerValue(item.headers, "If-None-Exist");
            if (item.failure || item.assignedId.isEmpty() || criteria.isNull())
                continue;
            const QString type = item.identity.section(u'/', 0, 0);
            QList<StoredVersion> found;
            if (auto failure
                = conditionalMatches(type, criteriaOf(criteria), u"ifNoneExist"_s, &found))
                return entryError(i, *failure);
            if (found.size() == 1) {
                for (auto it = assigned.begin(); it != assigned.end(); ++it) {
                    if (*it == item.identity)
                        *it = type + u'/' + found.first().id;
                }
            }
        }
        const auto conditional = [this](const QString &ref, QString *resolved) -> Failure {
            const QString type = ref.section(u'?', 0, 0);
            if (!resourceTypes.contains(type))
                return makeError(ErrorKind::Invalid,
                                 u"the conditional reference %1 names no resource type"_s.arg(ref));
            QList<StoredVersion> found;
            if (auto failure = conditionalMatches(type, criteriaOf(ref.toUtf8()),
                                                  u"the conditional reference "_s + ref, &found))
                return failure;
            if (found.isEmpty())
                return makeError(ErrorKind::Invalid,
                                 u"the conditional reference %1 matches nothing"_s.arg(ref));
            *resolved = type + u'/' + found.first().id;
            return {};
        };
        QSet<QString> identities;
        for (qsizetype i = 0; i < items.size(); ++i) {
            Item &item = items[i];
            if (item.failure)
                return entryError(i, *item.failure);
            if (!item.identity.isEmpty()) {
                if (identities.contains(item.identity))
                    return entryError(
                        i,
                        makeError(ErrorKind::Invalid,
                                  u"%1 is changed by more than one entry"_s.arg(item.identity)));
                identities.insert(item.identity);
            }
            if (auto failure = rewriteReferences(item.resource, assigned, conditional)) {
                failure->expression = {u"Bundle.entry[%1].resource"_s.arg(i)};
                return entryError(i, *failure);
            }
        }
    }

    // A transaction runs DELETE, then POST, then PUT and PATCH, then GET (http.html#trules);
    // a batch in the order given.
    QList<qsizetype> order(items.size());
    std::iota(order.begin(), order.end(), 0);
    if (transaction) {
        auto rank = [&](qsizetype i) {
            const QByteArray &m = items[i].method;
            return m == "DELETE" ? 0 : m == "POST" ? 1 : (m == "PUT" || m == "PATCH") ? 2 : 3;
        };
        std::stable_sort(order.begin(), order.end(),
                         [&](qsizetype a, qsizetype b) { return rank(a) < rank(b); });
    }

    QList<Response> results(items.size());
    for (const qsizetype i : std::as_const(order)) {
        Item &item = items[i];
        if (item.failure) {
            results[i] = errorResponse(*item.failure);
            continue;
        }
        Request sub;
        sub.method = item.method == "HEAD" ? QByteArray("GET") : item.method;
        sub.path = item.path;
        sub.query = item.query;
        sub.headers = item.headers;
        QStringList segments;
        const Failure badPath = splitPath(sub.path, &segments);
        // A create (POST [type]) or an update (PUT [type]/[id]) takes the entry's resource as
        // parsed; anything else reads it as a body.
        const bool direct = item.contentType.isEmpty() && !item.resource.is_null() && !badPath
            && ((sub.method == "POST" && segments.size() == 1)
                || (sub.method == "PUT" && segments.size() == 2));
        if (!item.contentType.isEmpty()) {
            sub.headers.append({"Content-Type", item.contentType});
            sub.body = item.body;
        } else if (!item.resource.is_null()) {
            sub.headers.append({"Content-Type", fhirJson.toByteArray()});
            if (!direct)
                sub.body = QByteArray::fromStdString(item.resource.dump());
        }
        Context subCtx{sub, ctx.contentType, ctx.prefs, item.assignedId,
                       direct ? &item.resource : nullptr};
        if (auto failure = badPath)
            results[i] = errorResponse(*failure);
        else if (segments.isEmpty() && sub.method != "GET") // GET ?_type=...: a search
            results[i] = errorResponse(
                makeError(ErrorKind::Invalid, u"an entry cannot be a batch or transaction"_s));
        else
            results[i] = route(subCtx, segments);
        if (transaction && results[i].status >= 400) {
            // The outer Transaction rolls back every entry when it goes out of scope.
            Response failed = results[i];
            // The entry's own headers (ETag, Allow, Location) do not describe the transaction.
            failed.headers = {{"Content-Type", "application/fhir+json; charset=utf-8"}};
            Json outcome = Json::parse(failed.body.toStdString(), nullptr, false);
            if (outcome.is_object() && outcome.contains("issue") && !outcome["issue"].empty()) {
                Json &issue = outcome["issue"][0];
                const std::string said = issue.value("diagnostics", std::string());
                issue["diagnostics"]
                    = u"entry %1 (%2 %3): "_s.arg(i)
                          .arg(QString::fromLatin1(item.method), item.url.left(200))
                          .toStdString()
                    + said;
                failed.body = QByteArray::fromStdString(outcome.dump());
            }
            return failed;
        }
    }
    if (outer) {
        if (auto ok = outer->commit(); !ok)
            return internal(ok.error());
    }

    return json(ctx, 200, responseBundle(transaction, results));
}

QByteArray FhirServer::Private::responseBundle(bool transaction,
                                               const QList<Response> &results) const
{
    // The entries' bodies are JSON this server has just written; they are spliced in as they
    // are, which for a large transaction saves parsing and writing back megabytes of it.
    const auto isObject = [](const QByteArray &body) {
        return body.startsWith('{') && body.endsWith('}');
    };
    const auto quoted = [](const std::string &text) {
        return QByteArray::fromStdString(Json(text).dump());
    };
    qsizetype size = 256;
    for (const Response &r : results)
        size += r.body.size() + 256;
    QByteArray out;
    out.reserve(size);
    out += R"({"resourceType":"Bundle","id":")";
    out += QUuid::createUuid().toByteArray(QUuid::WithoutBraces);
    out += R"(","meta":{"lastUpdated":")";
    out += instant(clock()).toLatin1();
    out += R"("},"type":")";
    out += transaction ? "transaction-response" : "batch-response";
    out += R"(","link":[{"relation":"self","url":)";
    out += quoted(options.baseUrl.toStdString());
    out += "}]";
    if (!results.isEmpty())
        out += R"(,"entry":[)";
    for (qsizetype i = 0; i < results.size(); ++i) {
        const Response &r = results[i];
        if (i > 0)
            out += ',';
        out += '{';
        const QByteArray location = r.header("Location");
        if (!location.isEmpty()) {
            const qsizetype history = location.indexOf("/_history/");
            out += R"("fullUrl":)";
            out += quoted((history < 0 ? location : location.left(history)).toStdString());
            out += ',';
        }
        const bool hasBody = isObject(r.body);
        if (r.status < 400 && hasBody) {
            out += R"("resource":)";
            out += r.body;
            out += ',';
        }
        out += R"("response":{"status":")";
        out += QByteArray::number(r.status) + ' ' + reasonPhrase(r.status);
        out += '"';
        if (!location.isEmpty())
            out += R"(,"location":)" + quoted(location.toStdString());
        if (const QByteArray tag = r.header("ETag"); !tag.isEmpty())
            out += R"(,"etag":)" + quoted(tag.toStdString());
        if (const QByteArray modified = r.header("Last-Modified"); !modified.isEmpty())
            out += R"(,"lastModified":)" + quoted(isoFromHttpDate(modified));
        if (r.status >= 400 && hasBody) {
            out += R"(,"outcome":)";
            out += r.body;
        }
        out += "}}";
    }
    if (!results.isEmpty())
        out += ']';
    out += '}';
    return out;
}

} // namespace fhir::server
