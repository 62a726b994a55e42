#pragma once

#include "embedded_server/request.h"

#include <QList>
#include <QString>
#include <QStringList>

namespace fhir::server::pages {

/// The hidden inputs every form of a login carries back as they are: which authorization
/// request it belongs to, and the CSRF token bound to the browser's session.
struct Hidden
{
    QString requestId;
    QString csrf;
};

struct PatientChoice
{
    QString id;
    QString name; ///< "Peter James Chalmers", or empty
    QString birthDate;
    QString gender;
};

/// The pages of the authorization endpoint, as HTML that stands alone (no script, no image,
/// no outside resource). Every one carries X-Frame-Options: DENY and a Content-Security-Policy
/// with frame-ancestors 'none' against clickjacking, Cache-Control: no-store and
/// Referrer-Policy: no-referrer. Forms post to `authorize` beside the page.
///
/// The login form has inputs `username` and `password`; the patient picker posts `patient`;
/// the consent form's buttons are `decision` = approve or deny.
Response login(const Hidden &hidden, const QString &clientName, const QString &username,
               const QString &message);
Response patientPicker(const Hidden &hidden, const QString &clientName,
                       const QList<PatientChoice> &patients, const QString &nameFilter,
                       const QString &message);
struct ConsentDetails
{
    QString clientName;
    QString userName;
    QString patientLabel; ///< "Peter Chalmers (Patient/example)", empty without a patient
    QStringList scopes;
};
Response consent(const Hidden &hidden, const ConsentDetails &details);
/// A page for what cannot go back to the application: an unknown client, a redirect URI
/// that is not registered, an expired login.
Response error(int status, const QString &title, const QString &message);

/// The headers every page and every answer to a form post carries.
void addPageHeaders(Response &response);

} // namespace fhir::server::pages
