#include "scopes.h"

#include <QRegularExpression>
#include <QUrl>

using namespace Qt::StringLiterals;

namespace fhir::server {

namespace {

/// v2 letters in order, each at most once (`rs`, `cu`, `cruds`); nothing when out of order,
/// repeated or unknown.
std::optional<Permissions> v2Permissions(const QString &letters)
{
    static const QString order = u"cruds"_s;
    static const Permission bits[] = {Create, Read, Update, Delete, Search};
    Permissions permissions = 0;
    qsizetype next = 0;
    for (const QChar c : letters) {
        const qsizetype at = order.indexOf(c, next);
        if (at < 0)
            return std::nullopt;
        permissions |= bits[at];
        next = at + 1;
    }
    if (permissions == 0)
        return std::nullopt;
    return permissions;
}

std::optional<QList<QPair<QString, QString>>> parseFilter(const QString &query)
{
    QList<QPair<QString, QString>> filter;
    for (const QString &item : query.split(u'&')) {
        const qsizetype equals = item.indexOf(u'=');
        if (equals <= 0 || equals == item.size() - 1)
            return std::nullopt;
        filter.append({QUrl::fromPercentEncoding(item.left(equals).toUtf8()),
                       QUrl::fromPercentEncoding(item.mid(equals + 1).toUtf8())});
    }
    return filter;
}

} // namespace

const QStringList &ScopeSet::knownOthers()
{
    static const QStringList known
        = {u"openid"_s,         u"fhirUser"_s,         u"profile"_s,        u"launch"_s,
           u"launch/patient"_s, u"launch/encounter"_s, u"offline_access"_s, u"online_access"_s};
    return known;
}

std::optional<ResourceScope> ScopeSet::parseResource(const QString &text)
{
    static const QRegularExpression shape(
        uR"(^(patient|user|system)/([A-Z][A-Za-z]{0,63}|\*)\.([a-z]{1,5}|\*)(?:\?(.+))?$)"_s);
    const auto match = shape.match(text);
    if (!match.hasMatch())
        return std::nullopt;
    ResourceScope scope;
    scope.text = text;
    const QString context = match.captured(1);
    scope.context = context == u"patient"_s ? ScopeContext::Patient
        : context == u"user"_s              ? ScopeContext::User
                                            : ScopeContext::System;
    scope.type = match.captured(2);
    const QString permissions = match.captured(3);
    const bool v1 = permissions == u"read"_s || permissions == u"write"_s || permissions == u"*"_s;
    if (permissions == u"read"_s)
        scope.permissions = Read | Search;
    else if (permissions == u"write"_s)
        scope.permissions = Create | Update | Delete;
    else if (permissions == u"*"_s)
        scope.permissions = kAllPermissions;
    else if (const auto v2 = v2Permissions(permissions))
        scope.permissions = *v2;
    else
        return std::nullopt;
    if (match.hasCaptured(4)) {
        // Granular scopes are SMART v2's; a filter on a v1 scope is malformed.
        if (v1)
            return std::nullopt;
        auto filter = parseFilter(match.captured(4));
        if (!filter)
            return std::nullopt;
        scope.filter = std::move(*filter);
    }
    return scope;
}

ScopeSet ScopeSet::parse(const QString &text, const std::function<bool(const QString &)> &isType)
{
    ScopeSet set;
    const QStringList items = text.split(u' ', Qt::SkipEmptyParts);
    for (const QString &item : items) {
        if (set.texts().contains(item))
            continue;
        if (knownOthers().contains(item)) {
            set.others.append(item);
        } else if (auto scope = parseResource(item);
                   scope && (scope->type == u'*' || !isType || isType(scope->type))) {
            set.resources.append(std::move(*scope));
        } else {
            set.ignored.append(item);
        }
    }
    return set;
}

bool ScopeSet::hasContext(ScopeContext context) const
{
    return std::any_of(resources.begin(), resources.end(),
                       [&](const ResourceScope &s) { return s.context == context; });
}

QStringList ScopeSet::texts() const
{
    QStringList list;
    for (const ResourceScope &scope : resources)
        list.append(scope.text);
    return list + others;
}

QString ScopeSet::toString() const
{
    return texts().join(u' ');
}

bool ScopeSet::covers(const ResourceScope &allowed, const ResourceScope &requested)
{
    return allowed.context == requested.context
        && (allowed.type == u'*' || allowed.type == requested.type)
        && (requested.permissions & ~allowed.permissions) == 0
        && (allowed.filter.isEmpty() || allowed.filter == requested.filter);
}

ScopeSet ScopeSet::within(const ScopeSet &allowed) const
{
    ScopeSet kept;
    for (const ResourceScope &scope : resources) {
        if (std::any_of(allowed.resources.begin(), allowed.resources.end(),
                        [&](const ResourceScope &a) { return covers(a, scope); }))
            kept.resources.append(scope);
        else
            kept.ignored.append(scope.text);
    }
    for (const QString &other : others) {
        if (allowed.others.contains(other))
            kept.others.append(other);
        else
            kept.ignored.append(other);
    }
    return kept;
}

QString permissionLetters(Permissions permissions)
{
    QString letters;
    const char *order = "cruds";
    for (int i = 0; i < 5; ++i) {
        if (permissions & (1 << i))
            letters += QLatin1Char(order[i]);
    }
    return letters;
}

QString describeScope(const QString &text)
{
    static const QHash<QString, QString> others = {
        {u"openid"_s, u"Confirm who you are to the application"_s},
        {u"fhirUser"_s,
         u"Tell the application which FHIR record (Patient or Practitioner) "
         "is you"_s},
        {u"profile"_s, u"Tell the application your name"_s},
        {u"launch"_s, u"Start the application with the current context"_s},
        {u"launch/patient"_s, u"Choose a patient for the application to work with"_s},
        {u"launch/encounter"_s, u"Choose an encounter for the application to work with"_s},
        {u"offline_access"_s,
         u"Stay connected when you are not using the application "
         "(a refresh token)"_s},
        {u"online_access"_s,
         u"Stay connected while you use the application "
         "(a refresh token)"_s},
    };
    if (const auto it = others.find(text); it != others.end())
        return it.value();
    const auto scope = ScopeSet::parseResource(text);
    if (!scope)
        return u"Unknown permission (it will not be granted)"_s;
    QStringList verbs;
    const std::pair<Permission, QString> words[] = {{Create, u"create"_s},
                                                    {Read, u"read"_s},
                                                    {Update, u"update"_s},
                                                    {Delete, u"delete"_s},
                                                    {Search, u"search"_s}};
    for (const auto &[bit, word] : words) {
        if (scope->permissions & bit)
            verbs.append(word);
    }
    QString verbText = verbs.size() == 1
        ? verbs.first()
        : verbs.mid(0, verbs.size() - 1).join(u", "_s) + u" and "_s + verbs.last();
    verbText[0] = verbText[0].toUpper();
    const QString what = scope->type == u'*' ? u"all record types"_s : scope->type + u" records"_s;
    const QString whose = scope->context == ScopeContext::Patient ? u" of the selected patient"_s
        : scope->context == ScopeContext::User                    ? u" you have access to"_s
                                                                  : u" of every patient"_s;
    QString text2 = verbText + u' ' + what + whose;
    if (!scope->filter.isEmpty()) {
        QStringList parts;
        for (const auto &[name, value] : scope->filter)
            parts.append(name + u'=' + value);
        text2 += u", only where "_s + parts.join(u" and "_s);
    }
    return text2;
}

} // namespace fhir::server
