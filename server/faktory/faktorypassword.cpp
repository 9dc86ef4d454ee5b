#include "faktorypassword.h"

#include <QCryptographicHash>
#include <QRandomGenerator>

FaktoryChallenge FaktoryChallenge::generate()
{
    quint32 words[2];
    QRandomGenerator::system()->fillRange(words);
    FaktoryChallenge challenge;
    challenge.salt = QByteArray(reinterpret_cast<const char*>(words), sizeof(words)).toHex();
    // Varied, as Faktory varies it, so a recorded hash is of no use on the next connection.
    challenge.iterations = 5000 + int(QRandomGenerator::system()->bounded(5000));
    return challenge;
}

QByteArray FaktoryChallenge::expectedHash(const QByteArray& password) const
{
    QByteArray salted = password;
    salted += salt;
    QByteArray hash = QCryptographicHash::hash(salted, QCryptographicHash::Sha256);
    for (int i = 1; i < iterations; ++i)
        hash = QCryptographicHash::hash(hash, QCryptographicHash::Sha256);
    return hash.toHex();
}

bool FaktoryChallenge::accepts(const QByteArray& password, const QByteArray& pwdhash) const
{
    const QByteArray expected = expectedHash(password);
    if (pwdhash.size() != expected.size())
        return false;
    unsigned char difference = 0;
    for (qsizetype i = 0; i < expected.size(); ++i)
        difference |= static_cast<unsigned char>(expected[i] ^ pwdhash[i]);
    return difference == 0;
}
