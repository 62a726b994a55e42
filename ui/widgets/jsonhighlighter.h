#pragma once

#include <QSyntaxHighlighter>
#include <QTextCharFormat>

namespace fhir::ui {

/// Colours JSON keys, strings, numbers and literals, in colours chosen from the palette so
/// they read on a light and on a dark background alike.
class JsonHighlighter : public QSyntaxHighlighter
{
    Q_OBJECT

public:
    explicit JsonHighlighter(QTextDocument *document);

    /// Picks the colours again for the palette (call when it changes).
    void setDark(bool dark);

protected:
    void highlightBlock(const QString &text) override;

private:
    QTextCharFormat m_key;
    QTextCharFormat m_string;
    QTextCharFormat m_number;
    QTextCharFormat m_literal;
};

/// A method's badge colour, as Swagger UI uses them (GET blue, POST green, PUT orange,
/// PATCH teal, DELETE red).
QColor methodColor(const QByteArray &method);

} // namespace fhir::ui
