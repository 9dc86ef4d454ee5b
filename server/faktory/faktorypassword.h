#pragma once

#include <QByteArray>

// Faktory's password handshake: the server offers a salt and an iteration count in its HI, the
// client answers with hex(sha256^i(password + salt)) as HELLO's pwdhash.
struct FaktoryChallenge
{
    QByteArray salt; // hex
    int iterations = 0;

    static FaktoryChallenge generate();
    QByteArray expectedHash(const QByteArray& password) const; // hex
    // In constant time, so the comparison tells an attacker nothing.
    bool accepts(const QByteArray& password, const QByteArray& pwdhash) const;
};
