#include "jobspecscanner.h"

#include "wire/jobspecfields.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

namespace {

// Nesting the payload may have here. QJsonDocument refuses documents nested deeper than 1024,
// counting the outer object: a payload parsed on its own must never get further than that.
constexpr int maxPayloadDepth = 64;
// Up to 15 digits a JSON integer is exact as a double, as parseJobSpec() sees it.
constexpr int maxIntegerDigits = 15;

// Every method returns false where the body leaves the usual shape: the caller then gives up.
class Scanner
{
public:
    explicit Scanner(QByteArrayView body)
        : m_body(body)
    { }

    bool scan(SpecFields& fields)
    {
        if (!eat('{'))
            return false;
        quint32 seen = 0; // one bit per field: a repeated key is left to QJsonDocument
        if (!eat('}')) {
            do {
                QByteArrayView name;
                if (!readPlainString(&name) || !eat(':'))
                    return false;
                const int index = fieldIndex(name);
                if (index < 0 || (seen & (1u << index)))
                    return false;
                seen |= 1u << index;
                const bool read = index == payloadIndex ? readPayload(&fields.payload)
                                                        : readField(&(fields.*specFieldNames[index].second));
                if (!read)
                    return false;
            } while (eat(','));
            if (!eat('}'))
                return false;
        }
        skipSpace();
        return m_at == m_body.size();
    }

private:
    static constexpr int payloadIndex = int(std::size(specFieldNames));

    // The name's index in specFieldNames, payloadIndex for the payload, -1 for anything else.
    static int fieldIndex(QByteArrayView name)
    {
        if (name == "payload")
            return payloadIndex;
        for (int i = 0; i < int(std::size(specFieldNames)); ++i) {
            if (name == specFieldNames[i].first)
                return i;
        }
        return -1;
    }

    // JSON's whitespace, as QJsonDocument skips it
    void skipSpace()
    {
        while (m_at < m_body.size()) {
            const char c = m_body[m_at];
            if (c != ' ' && c != '\t' && c != '\n' && c != '\r')
                return;
            ++m_at;
        }
    }

    bool eat(char c)
    {
        skipSpace();
        if (m_at >= m_body.size() || m_body[m_at] != c)
            return false;
        ++m_at;
        return true;
    }

    bool eatWord(QByteArrayView word)
    {
        if (!m_body.sliced(m_at).startsWith(word))
            return false;
        m_at += word.size();
        return true;
    }

    // A string of printable ASCII without escapes, which reads the same as Latin-1.
    bool readPlainString(QByteArrayView* text)
    {
        if (!eat('"'))
            return false;
        const qsizetype start = m_at;
        for (; m_at < m_body.size(); ++m_at) {
            const char c = m_body[m_at];
            if (c == '"') {
                *text = m_body.sliced(start, m_at - start);
                ++m_at;
                return true;
            }
            if (c < 0x20 || c > 0x7e || c == '\\')
                return false;
        }
        return false;
    }

    // The first byte of the next value, after blanks; '\0' at the end of the body.
    char peekValue()
    {
        skipSpace();
        return m_at < m_body.size() ? m_body[m_at] : '\0';
    }

    bool readField(SpecField* field)
    {
        const char c = peekValue();
        if (c == '"') {
            QByteArrayView text;
            if (!readPlainString(&text))
                return false;
            *field = { SpecField::Kind::String, QString::fromLatin1(text), 0 };
            return true;
        }
        if (c == 'n') {
            *field = { SpecField::Kind::Null, {}, 0 };
            return eatWord("null");
        }
        return readInteger(field);
    }

    // -?(0|[1-9][0-9]*), followed by what may follow a value: no fraction, no exponent.
    bool readInteger(SpecField* field)
    {
        const bool negative = m_at < m_body.size() && m_body[m_at] == '-';
        qsizetype at = m_at + (negative ? 1 : 0);
        const qsizetype firstDigit = at;
        qint64 value = 0;
        while (at < m_body.size() && m_body[at] >= '0' && m_body[at] <= '9') {
            value = value * 10 + (m_body[at] - '0');
            ++at;
            if (at - firstDigit > maxIntegerDigits)
                return false;
        }
        const qsizetype digits = at - firstDigit;
        if (digits == 0 || (digits > 1 && m_body[firstDigit] == '0') || at >= m_body.size())
            return false;
        const char next = m_body[at];
        if (next != ',' && next != '}' && next != ' ' && next != '\t' && next != '\n' && next != '\r')
            return false;
        m_at = at;
        *field = { SpecField::Kind::Integer, {}, negative ? -value : value };
        return true;
    }

    // null, or an object or array that QJsonDocument parses on its own.
    bool readPayload(QJsonValue* payload)
    {
        const char open = peekValue();
        if (open == 'n') {
            *payload = QJsonValue(QJsonValue::Null);
            return eatWord("null");
        }
        if (open != '{' && open != '[')
            return false;
        const qsizetype start = m_at;
        if (!skipContainer())
            return false;
        const QByteArrayView span = m_body.sliced(start, m_at - start);
        QJsonParseError error;
        const QJsonDocument document
            = QJsonDocument::fromJson(QByteArray::fromRawData(span.data(), span.size()), &error);
        if (error.error != QJsonParseError::NoError)
            return false;
        *payload = open == '{' ? QJsonValue(document.object()) : QJsonValue(document.array());
        return true;
    }

    // Past the bracket that closes the one at m_at. It only finds the end: QJsonDocument checks
    // everything in between, mismatched brackets included.
    bool skipContainer()
    {
        int depth = 0;
        for (qsizetype at = m_at; at < m_body.size(); ++at) {
            switch (m_body[at]) {
            case '"':
                for (++at; at < m_body.size() && m_body[at] != '"'; ++at) {
                    if (m_body[at] == '\\')
                        ++at; // the escaped character, a quote perhaps
                }
                break;
            case '{':
            case '[':
                if (++depth > maxPayloadDepth)
                    return false;
                break;
            case '}':
            case ']':
                if (--depth == 0) {
                    m_at = at + 1;
                    return true;
                }
                break;
            default:
                break;
            }
        }
        return false;
    }

    QByteArrayView m_body;
    qsizetype m_at = 0;
};

} // namespace

std::optional<SpecResult> scanJobSpec(QByteArrayView body)
{
    SpecFields fields;
    if (!Scanner(body).scan(fields))
        return std::nullopt;
    return validateJobSpec(std::move(fields), QString());
}
