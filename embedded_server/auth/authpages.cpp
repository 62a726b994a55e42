#include "authpages.h"

#include "formdata.h"

#include "embedded_server/auth/scopes.h"

using namespace Qt::StringLiterals;

namespace fhir::server::pages {

namespace {

using form::escapeHtml;

const QString kStyle = uR"(
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; background: #f3f5f8;
  color: #1d2533; margin: 0; }
main { max-width: 30rem; margin: 3rem auto; background: #fff; border-radius: 10px;
  box-shadow: 0 2px 12px rgba(0,0,0,.08); padding: 2rem 2.25rem; }
h1 { font-size: 1.3rem; margin: 0 0 .25rem; }
p.lead { color: #566074; margin: 0 0 1.5rem; }
label { display: block; font-weight: 600; margin: 1rem 0 .35rem; }
input[type=text], input[type=password], input[type=search] { box-sizing: border-box; width: 100%;
  padding: .6rem .7rem; border: 1px solid #c4cbd8; border-radius: 6px; font-size: 1rem; }
button { font-size: 1rem; padding: .6rem 1.2rem; border-radius: 6px; border: 1px solid #2456c6;
  background: #2f6ae0; color: #fff; cursor: pointer; margin-top: 1.25rem; }
button.secondary { background: #fff; color: #2456c6; }
.message { background: #fdecec; color: #8a1f1f; border-radius: 6px; padding: .6rem .8rem; }
ul.scopes { padding-left: 1.1rem; } ul.scopes li { margin: .45rem 0; }
ul.scopes code, .patients code { color: #566074; font-size: .85rem; }
.patients button { display: block; width: 100%; text-align: left; background: #fff; color: #1d2533;
  border-color: #c4cbd8; margin-top: .5rem; }
.row { display: flex; gap: .75rem; }
footer { color: #8a93a6; font-size: .8rem; margin-top: 2rem; }
)"_s;

QString page(const QString &title, const QString &content)
{
    return u"<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
           "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
           "<title>"_s
        + escapeHtml(title) + u" – FHIR Portal</title><style>"_s + kStyle
        + u"</style></head><body><main>"_s + content
        + u"<footer>FHIR Portal · embedded authorization server</footer></main></body></html>\n"_s;
}

QString hiddenInputs(const Hidden &hidden)
{
    return u"<input type=\"hidden\" name=\"request\" value=\""_s + escapeHtml(hidden.requestId)
        + u"\"><input type=\"hidden\" name=\"csrf\" value=\""_s + escapeHtml(hidden.csrf)
        + u"\">"_s;
}

QString messageBlock(const QString &message)
{
    return message.isEmpty()
        ? QString()
        : u"<p class=\"message\" role=\"alert\">"_s + escapeHtml(message) + u"</p>"_s;
}

Response html(int status, const QString &document)
{
    Response response;
    response.status = status;
    response.setHeader("Content-Type", "text/html; charset=utf-8");
    response.body = document.toUtf8();
    addPageHeaders(response);
    return response;
}

} // namespace

void addPageHeaders(Response &response)
{
    response.setHeader("X-Frame-Options", "DENY");
    // No form-action: the answer to the consent form is a redirect to the application, which
    // browsers check against form-action too.
    response.setHeader("Content-Security-Policy",
                       "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'; "
                       "base-uri 'none'");
    response.setHeader("Cache-Control", "no-store");
    // same-origin, not no-referrer: under no-referrer a browser posts the forms with
    // `Origin: null`, which the listener refuses as a cross-site write. The application's
    // redirect (another origin) still gets no Referer.
    response.setHeader("Referrer-Policy", "same-origin");
    response.setHeader("X-Content-Type-Options", "nosniff");
}

Response login(const Hidden &hidden, const QString &clientName, const QString &username,
               const QString &message)
{
    const QString content = u"<h1>Log in</h1><p class=\"lead\"><strong>"_s + escapeHtml(clientName)
        + u"</strong> asks to use this FHIR server on your behalf.</p>"_s + messageBlock(message)
        + u"<form method=\"post\" action=\"authorize\">"_s + hiddenInputs(hidden)
        + u"<label for=\"username\">Username</label><input type=\"text\" id=\"username\" "
          "name=\"username\" autocomplete=\"username\" autofocus required value=\""_s
        + escapeHtml(username)
        + u"\"><label for=\"password\">Password</label><input type=\"password\" id=\"password\" "
          "name=\"password\" autocomplete=\"current-password\" required>"
          "<button type=\"submit\">Log in</button></form>"_s;
    return html(200, page(u"Log in"_s, content));
}

Response patientPicker(const Hidden &hidden, const QString &clientName,
                       const QList<PatientChoice> &patients, const QString &nameFilter,
                       const QString &message)
{
    QString list;
    for (const PatientChoice &p : patients) {
        QString details = p.birthDate.isEmpty() ? QString() : u"born "_s + p.birthDate;
        if (!p.gender.isEmpty())
            details += (details.isEmpty() ? QString() : u", "_s) + p.gender;
        list += u"<button type=\"submit\" name=\"patient\" value=\""_s + escapeHtml(p.id)
            + u"\"><strong>"_s + escapeHtml(p.name.isEmpty() ? u"(no name)"_s : p.name)
            + u"</strong> "_s + escapeHtml(details) + u" <code>Patient/"_s + escapeHtml(p.id)
            + u"</code></button>"_s;
    }
    if (patients.isEmpty())
        list = u"<p>No patient matches.</p>"_s;
    const QString content = u"<h1>Choose a patient</h1><p class=\"lead\"><strong>"_s
        + escapeHtml(clientName) + u"</strong> works with one patient's record. Which one?</p>"_s
        + messageBlock(message)
        + u"<form method=\"get\" action=\"authorize\"><input type=\"hidden\" name=\"request\" "
          "value=\""_s
        + escapeHtml(hidden.requestId)
        + u"\"><label for=\"name\">Find by name</label><div class=\"row\"><input type=\"search\" "
          "id=\"name\" name=\"name\" value=\""_s
        + escapeHtml(nameFilter)
        + u"\"><button type=\"submit\" class=\"secondary\" style=\"margin-top:0\">Find</button>"
          "</div></form><form method=\"post\" action=\"authorize\" class=\"patients\">"_s
        + hiddenInputs(hidden) + list + u"</form>"_s;
    return html(200, page(u"Choose a patient"_s, content));
}

Response consent(const Hidden &hidden, const ConsentDetails &details)
{
    QString items;
    for (const QString &scope : details.scopes) {
        items += u"<li>"_s + escapeHtml(describeScope(scope)) + u" <code>"_s + escapeHtml(scope)
            + u"</code></li>"_s;
    }
    QString patient;
    if (!details.patientLabel.isEmpty())
        patient = u"<p>Patient: <strong>"_s + escapeHtml(details.patientLabel) + u"</strong></p>"_s;
    const QString content = u"<h1>Allow access?</h1><p class=\"lead\">Logged in as <strong>"_s
        + escapeHtml(details.userName) + u"</strong>. <strong>"_s + escapeHtml(details.clientName)
        + u"</strong> asks to:</p><ul class=\"scopes\">"_s + items + u"</ul>"_s + patient
        + u"<form method=\"post\" action=\"authorize\">"_s + hiddenInputs(hidden)
        + u"<div class=\"row\"><button type=\"submit\" name=\"decision\" value=\"approve\">"
          "Allow</button><button type=\"submit\" name=\"decision\" value=\"deny\" "
          "class=\"secondary\">Deny</button></div></form>"_s;
    return html(200, page(u"Allow access?"_s, content));
}

Response error(int status, const QString &title, const QString &message)
{
    const QString content = u"<h1>"_s + escapeHtml(title) + u"</h1><p class=\"message\">"_s
        + escapeHtml(message) + u"</p>"_s;
    return html(status, page(title, content));
}

} // namespace fhir::server::pages
