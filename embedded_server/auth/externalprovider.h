#pragma once

#include "rsakey.h"
#include "tokenverifier.h"

#include "schemas/result.h"

#include <QHash>
#include <QString>
#include <QUrl>

#include <functional>

namespace fhir::server {

/// An OpenID provider a deployment trusts instead of (or beside) its own authorization
/// server: who it is, where its keys are, what its tokens must name.
struct ExternalProviderSettings
{
    QString issuer; ///< `iss` of its tokens, and where discovery starts
    QString audience; ///< the `aud` its tokens must name; empty: the FHIR base URL
    QString scopeClaim = QStringLiteral("scope"); ///< "scope" or "scp"
    /// Its JWKS; empty: read `jwks_uri` from [issuer]/.well-known/openid-configuration.
    QString jwksUri;
};

/// Checks the access tokens of an external OpenID provider with verifyJwt() (RS256 only,
/// `iss`, `aud`, `exp`, `nbf`) against the keys of its JWKS, fetched on first use and again
/// when a token names a key not seen yet (a rotation), at most once every
/// kRefetchIntervalMs so that tokens with made-up `kid`s cannot make the server hammer the
/// provider.
///
///     ExternalProvider provider({issuer, baseUrl, u"scope"_s, {}});
///     TokenVerdict verdict = provider.verify(token, baseUrl);
class ExternalProvider
{
public:
    static constexpr qint64 kRefetchIntervalMs = 30 * 1000;
    static constexpr int kFetchTimeoutMs = 5000;

    /// An HTTP GET of a JSON document; the default one blocks the caller on a thread of its
    /// own, so the server's event loop never runs inside a request.
    using Fetch = std::function<Result<QByteArray>(const QUrl &url)>;

    explicit ExternalProvider(ExternalProviderSettings settings, Fetch fetch = {},
                              std::function<qint64()> clock = {});

    /// `baseUrl` is the audience when the settings name none.
    TokenVerdict verify(QByteArrayView token, const QString &baseUrl);
    const ExternalProviderSettings &settings() const { return m_settings; }

    /// Fetches the provider's keys now (discovery first when there is no JWKS URL).
    Result<bool> refreshKeys();

    /// A GET on a thread of its own, waited for with a timeout.
    static Result<QByteArray> blockingGet(const QUrl &url);

private:
    qint64 now() const;

    ExternalProviderSettings m_settings;
    Fetch m_fetch;
    std::function<qint64()> m_clock;
    QHash<QString, RsaKey> m_keys; // by kid
    qint64 m_lastFetchMs = -1;
};

} // namespace fhir::server
