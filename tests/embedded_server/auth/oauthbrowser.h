#pragma once

// The test plays the browser and the client application of an OAuth 2.0 authorization code
// flow against the embedded authorization server: it fetches the login page, posts the form
// with the hidden inputs the page carries, picks a patient, approves, and reads the code from
// the redirect. Over any transport: FhirServer::handle() directly, or real HTTP (httpSend).

#include "embedded_server/auth/formdata.h"
#include "embedded_server/fhirserver.h"

#include <QCryptographicHash>
#include <QEventLoop>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QRandomGenerator>
#include <QRegularExpression>
#include <QUrl>
#include <QUrlQuery>

#include <nlohmann/json.hpp>

#include <functional>
#include <map>

namespace fhir::test {

using server::Request;
using server::Response;
using Send = std::function<Response(const Request &)>;

/// A PKCE pair (RFC 7636 §4.1): a verifier of 43 characters and its S256 challenge.
struct Pkce
{
    QString verifier;
    QString challenge;

    static QString challengeOf(const QString &verifier)
    {
        return QString::fromLatin1(
            QCryptographicHash::hash(verifier.toLatin1(), QCryptographicHash::Sha256)
                .toBase64(QByteArray::Base64UrlEncoding | QByteArray::OmitTrailingEquals));
    }
    static Pkce make()
    {
        QByteArray bytes(32, Qt::Uninitialized);
        QRandomGenerator::system()->fillRange(reinterpret_cast<quint32 *>(bytes.data()), 8);
        const QString verifier = QString::fromLatin1(
            bytes.toBase64(QByteArray::Base64UrlEncoding | QByteArray::OmitTrailingEquals));
        return {verifier, challengeOf(verifier)};
    }
};

/// The query items of a URL or of a Location header.
inline QList<QPair<QString, QString>> queryOf(const QByteArray &location)
{
    return QUrlQuery(QUrl(QString::fromUtf8(location))).queryItems(QUrl::FullyDecoded);
}

inline QString queryValue(const QByteArray &location, const QString &name)
{
    for (const auto &[key, value] : queryOf(location)) {
        if (key == name)
            return value;
    }
    return {};
}

/// One browser: its cookies, and the hidden inputs of the last page it saw.
class OAuthBrowser
{
public:
    explicit OAuthBrowser(Send send, QString basePath = server::FhirServer::basePath())
        : m_send(std::move(send))
        , m_base(std::move(basePath))
    {
    }

    Response get(const QString &endpoint, const QList<QPair<QString, QString>> &query)
    {
        Request request{"GET", m_base + u'/' + endpoint, query, cookieHeader(), {}};
        return remember(m_send(request));
    }

    Response post(const QString &endpoint, const server::form::Items &items,
                  const server::HeaderList &extra = {})
    {
        server::HeaderList headers = cookieHeader();
        headers.append(
            {QByteArray("Content-Type"), QByteArray("application/x-www-form-urlencoded")});
        headers += extra;
        Request request{"POST", m_base + u'/' + endpoint, {}, headers, server::form::encode(items)};
        return remember(m_send(request));
    }

    /// Follows a 303 to the authorization endpoint ("authorize?request=...").
    Response follow(const Response &redirect)
    {
        const QByteArray location = redirect.header("Location");
        const qsizetype question = location.indexOf('?');
        return get(u"authorize"_qs, queryOf("http://x/" + location.mid(question)));
    }

    /// The value of a hidden input of the last page ("request", "csrf").
    QString hidden(const QString &name) const
    {
        const QRegularExpression input(u"name=\"%1\" value=\"([^\"]*)\""_qs.arg(name));
        return input.match(QString::fromUtf8(m_lastPage)).captured(1);
    }
    QByteArray lastPage() const { return m_lastPage; }
    void forgetCookies() { m_cookies.clear(); }

    /// The inputs every form post of the login carries.
    server::form::Items hiddenInputs() const
    {
        return {{u"request"_qs, hidden(u"request"_qs)}, {u"csrf"_qs, hidden(u"csrf"_qs)}};
    }

private:
    server::HeaderList cookieHeader() const
    {
        QByteArray cookies;
        for (const auto &[name, value] : m_cookies)
            cookies += (cookies.isEmpty() ? "" : "; ") + name + '=' + value;
        if (cookies.isEmpty())
            return {};
        return {{"Cookie", cookies}};
    }

    Response remember(Response response)
    {
        for (const auto &[name, value] : response.headers) {
            if (name.toLower() != "set-cookie")
                continue;
            const QByteArray pair = value.split(';').first();
            const qsizetype equals = pair.indexOf('=');
            if (equals > 0)
                m_cookies[pair.left(equals).trimmed()] = pair.mid(equals + 1).trimmed();
        }
        if (response.header("Content-Type").startsWith("text/html"))
            m_lastPage = response.body;
        return response;
    }

    Send m_send;
    QString m_base;
    std::map<QByteArray, QByteArray> m_cookies;
    QByteArray m_lastPage;
};

/// What an application asks the authorization endpoint for.
struct AuthorizeRequest
{
    QString clientId;
    QString redirectUri;
    QString scope;
    QString aud; ///< the FHIR base URL
    Pkce pkce = Pkce::make();
    QString state = u"state-"_qs + QString::number(QRandomGenerator::system()->generate64(), 16);

    QList<QPair<QString, QString>> query() const
    {
        return {{u"response_type"_qs, u"code"_qs},
                {u"client_id"_qs, clientId},
                {u"redirect_uri"_qs, redirectUri},
                {u"scope"_qs, scope},
                {u"state"_qs, state},
                {u"aud"_qs, aud},
                {u"code_challenge"_qs, pkce.challenge},
                {u"code_challenge_method"_qs, u"S256"_qs}};
    }
};

/// How a login through the pages ended: the redirect back to the client.
struct LoginResult
{
    Response last; ///< the last answer: the redirect, or the page where it stopped
    QString code;
    QString state;
    QString error;
    QString iss;
};

/// Logs `username` in from the authorization request `query`, chooses `patient` when the
/// picker shows, and approves (or denies).
inline LoginResult logIn(OAuthBrowser &browser, const QList<QPair<QString, QString>> &query,
                         const QString &username, const QString &password,
                         const QString &patient = {}, bool approve = true)
{
    LoginResult result;
    Response page = browser.get(u"authorize"_qs, query);
    auto finish = [&](const Response &last) {
        result.last = last;
        const QByteArray location = last.header("Location");
        result.code = queryValue(location, u"code"_qs);
        result.state = queryValue(location, u"state"_qs);
        result.error = queryValue(location, u"error"_qs);
        result.iss = queryValue(location, u"iss"_qs);
        return result;
    };
    if (page.status != 200)
        return finish(page);
    server::form::Items login = browser.hiddenInputs();
    login.append({u"username"_qs, username});
    login.append({u"password"_qs, password});
    Response posted = browser.post(u"authorize"_qs, login);
    for (int step = 0;
         step < 3 && posted.status == 303 && posted.header("Location").startsWith("authorize?");
         ++step) {
        page = browser.follow(posted);
        if (page.status != 200)
            return finish(page);
        server::form::Items form = browser.hiddenInputs();
        if (page.body.contains("name=\"patient\""))
            form.append({u"patient"_qs, patient});
        else if (page.body.contains("name=\"decision\""))
            form.append({u"decision"_qs, approve ? u"approve"_qs : u"deny"_qs});
        else
            return finish(page);
        posted = browser.post(u"authorize"_qs, form);
    }
    return finish(posted);
}

inline LoginResult logIn(OAuthBrowser &browser, const AuthorizeRequest &request,
                         const QString &username, const QString &password,
                         const QString &patient = {}, bool approve = true)
{
    return logIn(browser, request.query(), username, password, patient, approve);
}

/// The token endpoint's answer, parsed.
struct TokenReply
{
    int status = 0;
    nlohmann::json body;
    Response response;

    QString text(const char *name) const
    {
        const auto it = body.find(name);
        return it != body.end() && it->is_string() ? QString::fromStdString(it->get<std::string>())
                                                   : QString();
    }
};

inline TokenReply tokenCall(const Send &send, const server::form::Items &items,
                            const server::HeaderList &extra = {})
{
    server::HeaderList headers{{"Content-Type", "application/x-www-form-urlencoded"}};
    headers += extra;
    Response r = send(Request{"POST",
                              server::FhirServer::basePath() + u"/token"_qs,
                              {},
                              headers,
                              server::form::encode(items)});
    return {r.status, nlohmann::json::parse(r.body.toStdString(), nullptr, false), r};
}

inline server::HeaderList basicAuth(const QString &clientId, const QString &secret)
{
    const QByteArray credentials
        = QUrl::toPercentEncoding(clientId) + ':' + QUrl::toPercentEncoding(secret);
    return {{QByteArray("Authorization"), "Basic " + credentials.toBase64()}};
}

/// Real HTTP on loopback: each Request goes to `origin` (http://127.0.0.1:PORT) through
/// QNetworkAccessManager, redirects not followed, and the reply comes back as a Response.
/// `plusForSpace` writes spaces in queries as '+', as HTML forms and OAuth libraries do.
inline Send httpSend(QNetworkAccessManager &manager, const QString &origin,
                     bool plusForSpace = false)
{
    return [&manager, origin, plusForSpace](const Request &request) {
        QUrl url(origin + request.path);
        if (!request.query.isEmpty()) {
            QByteArray query = server::form::encode(request.query);
            if (plusForSpace)
                query.replace("%20", "+");
            url.setQuery(QString::fromLatin1(query), QUrl::StrictMode);
        }
        QNetworkRequest wire(url);
        wire.setAttribute(QNetworkRequest::RedirectPolicyAttribute,
                          QNetworkRequest::ManualRedirectPolicy);
        wire.setAttribute(QNetworkRequest::CookieSaveControlAttribute, QNetworkRequest::Manual);
        wire.setAttribute(QNetworkRequest::CookieLoadControlAttribute, QNetworkRequest::Manual);
        for (const auto &[name, value] : request.headers)
            wire.setRawHeader(name, value);
        QNetworkReply *reply = manager.sendCustomRequest(wire, request.method, request.body);
        QEventLoop loop;
        QObject::connect(reply, &QNetworkReply::finished, &loop, &QEventLoop::quit);
        loop.exec();
        Response response;
        response.status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
        for (const auto &[name, value] : reply->rawHeaderPairs())
            response.headers.append({name, value});
        response.body = reply->readAll();
        reply->deleteLater();
        return response;
    };
}

} // namespace fhir::test
