"""Caller-facing system strings: navigation, validation errors, apologies.

Built in for English, French, Arabic, Swahili, Portuguese, Spanish and Bengali (DESIGN §7). A menu
may override any of them per language under "messages"; a language with no text for a message
falls back, per message, to the menu's default language, then to English (`system_message`).

Texts that share a screen with a coordinator's text (navigation, "1. Continue", the notices above
a question) are GSM-7 in every Latin-script language, so they never halve that screen's budget:
the French ones avoid ç, ê, ô, â, î, û; the Spanish and Portuguese ones pick words without á, í,
ó, ú, ã, õ, ç ("Volver", not "Atrás"). A closing screen stands alone and keeps its accents.
Arabic and Bengali are always UCS-2 (80 characters a screen). Digits stay ASCII in every
language: callers type 0 and 98 on a keypad, and the engine writes "98." and "0." itself.
Each text's room on a screen is checked by tests/unit/test_system_texts.py.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

DEFAULT_MESSAGES: dict[str, dict[str, str]] = {
    "en": {
        "more": "More",
        "back": "Back",
        "continue": "Continue",
        "start_over": "Start over",
        "resume": "You have an unfinished request.",
        "invalid_option": "Invalid choice.",
        "too_many_attempts": "Too many invalid answers. Please dial again.",
        "expired": "Your session has expired. Please dial again.",
        "ended": "This session has ended. Please dial again.",
        "apology": "Sorry, something went wrong. Please try again later.",
        "unavailable": "This service is not available now. Please try later.",
        "handoff": "Thank you. Your request has been received.",
        "already_queued": "Your request is already queued. An agent will call you back.",
        "limit_reached": "You have reached the limit of requests. Try again later.",
        "reply_offer": "You have a reply from {organisation}.",
        "reply_offer_plain": "You have a reply.",
        "read": "Read",
        "menu": "Menu",
        "end": "End",
        "next_reply": "Next reply",
        "pin_prompt": "Enter your PIN.",
        "pin_wrong": "Wrong PIN.",
        "pin_locked": "Too many wrong PINs. Try again in an hour.",
        "goodbye": "Goodbye.",
        "err_required": "Please enter an answer.",
        "err_too_short": "Please enter at least {min} characters.",
        "err_too_long": "Please enter at most {max} characters.",
        "err_number": "Please enter a number.",
        "err_whole_number": "Please enter a whole number.",
        "err_min": "Please enter a number of at least {min}.",
        "err_max": "Please enter a number of at most {max}.",
        "err_phone": "Please enter a valid phone number.",
        "err_date": "Please enter a date as {format}.",
        "err_future": "That date is in the future.",
        "err_pattern": "That answer is not valid.",
    },
    "fr": {
        "more": "Suite",
        "back": "Retour",
        "continue": "Continuer",
        "start_over": "Recommencer",
        "resume": "Vous avez une demande non terminée.",
        "invalid_option": "Choix invalide.",
        "too_many_attempts": "Trop de réponses invalides. Veuillez rappeler.",
        "expired": "Votre session a expiré. Veuillez rappeler.",
        "ended": "Cette session est terminée. Veuillez rappeler.",
        "apology": "Désolé, une erreur est survenue. Réessayez plus tard.",
        "unavailable": "Ce service n'est pas disponible. Réessayez plus tard.",
        "handoff": "Merci. Votre demande a bien été enregistrée.",
        "already_queued": "Demande déjà en attente. Un agent va vous rappeler.",
        "limit_reached": "Limite de demandes atteinte. Réessayez plus tard.",
        "reply_offer": "Vous avez une réponse de {organisation}.",
        "reply_offer_plain": "Vous avez une réponse.",
        "read": "Lire",
        "menu": "Menu",
        "end": "Terminer",
        "next_reply": "Réponse suivante",
        "pin_prompt": "Entrez votre code PIN.",
        "pin_wrong": "Code PIN incorrect.",
        "pin_locked": "Trop de codes incorrects. Réessayez dans une heure.",
        "goodbye": "Au revoir.",
        "err_required": "Veuillez saisir une réponse.",
        "err_too_short": "Veuillez saisir au moins {min} caractères.",
        "err_too_long": "Veuillez saisir au plus {max} caractères.",
        "err_number": "Veuillez saisir un nombre.",
        "err_whole_number": "Veuillez saisir un nombre entier.",
        "err_min": "Veuillez saisir un nombre d'au moins {min}.",
        "err_max": "Veuillez saisir un nombre d'au plus {max}.",
        "err_phone": "Veuillez saisir un numéro de téléphone valide.",
        "err_date": "Veuillez saisir une date au format {format}.",
        "err_future": "Cette date est dans le futur.",
        "err_pattern": "Cette réponse n'est pas valide.",
    },
    "ar": {
        "more": "المزيد",
        "back": "رجوع",
        "continue": "متابعة",
        "start_over": "البدء من جديد",
        "resume": "لديك طلب لم يكتمل.",
        "invalid_option": "خيار غير صحيح.",
        "too_many_attempts": "إجابات خاطئة كثيرة. يرجى إعادة الاتصال.",
        "expired": "انتهت مهلة الجلسة. يرجى إعادة الاتصال.",
        "ended": "انتهت هذه الجلسة. يرجى إعادة الاتصال.",
        "apology": "عذرا، حدث خطأ. يرجى المحاولة لاحقا.",
        "unavailable": "هذه الخدمة غير متاحة الآن. يرجى المحاولة لاحقا.",
        "handoff": "شكرا. تم استلام طلبك.",
        "already_queued": "طلبك مسجل بالفعل. سيتصل بك أحد موظفينا.",
        "limit_reached": "لقد بلغت الحد الأقصى للطلبات. حاول لاحقا.",
        "reply_offer": "لديك رد من {organisation}.",
        "reply_offer_plain": "لديك رد.",
        "read": "قراءة",
        "menu": "القائمة",
        "end": "إنهاء",
        "next_reply": "الرد التالي",
        "pin_prompt": "أدخل رمزك السري.",
        "pin_wrong": "رمز سري خاطئ.",
        "pin_locked": "محاولات خاطئة كثيرة. حاول بعد ساعة.",
        "goodbye": "مع السلامة.",
        "err_required": "يرجى إدخال إجابة.",
        "err_too_short": "يرجى إدخال {min} أحرف على الأقل.",
        "err_too_long": "يرجى إدخال {max} أحرف على الأكثر.",
        "err_number": "يرجى إدخال رقم.",
        "err_whole_number": "يرجى إدخال عدد صحيح.",
        "err_min": "أدخل رقما لا يقل عن {min}.",
        "err_max": "أدخل رقما لا يزيد عن {max}.",
        "err_phone": "يرجى إدخال رقم هاتف صحيح.",
        "err_date": "يرجى إدخال التاريخ بصيغة {format}.",
        "err_future": "هذا التاريخ في المستقبل.",
        "err_pattern": "هذه الإجابة غير صحيحة.",
    },
    "sw": {
        "more": "Zaidi",
        "back": "Rudi",
        "continue": "Endelea",
        "start_over": "Anza upya",
        "resume": "Una ombi ambalo halijakamilika.",
        "invalid_option": "Chaguo si sahihi.",
        "too_many_attempts": "Majibu mengi si sahihi. Tafadhali piga tena.",
        "expired": "Muda wa kikao umekwisha. Tafadhali piga tena.",
        "ended": "Kikao hiki kimekwisha. Tafadhali piga tena.",
        "apology": "Samahani, kuna hitilafu. Tafadhali jaribu tena baadaye.",
        "unavailable": "Huduma hii haipatikani sasa. Tafadhali jaribu baadaye.",
        "handoff": "Asante. Ombi lako limepokelewa.",
        "already_queued": "Ombi lako tayari liko kwenye foleni. Mhudumu atakupigia.",
        "limit_reached": "Umefikia kikomo cha maombi. Jaribu tena baadaye.",
        "reply_offer": "Una jibu kutoka {organisation}.",
        "reply_offer_plain": "Una jibu.",
        "read": "Soma",
        "menu": "Menyu",
        "end": "Maliza",
        "next_reply": "Jibu linalofuata",
        "pin_prompt": "Weka PIN yako.",
        "pin_wrong": "PIN si sahihi.",
        "pin_locked": "PIN si sahihi mara nyingi. Jaribu tena baada ya saa moja.",
        "goodbye": "Kwaheri.",
        "err_required": "Tafadhali weka jibu.",
        "err_too_short": "Tafadhali weka angalau herufi {min}.",
        "err_too_long": "Tafadhali weka herufi zisizozidi {max}.",
        "err_number": "Tafadhali weka namba.",
        "err_whole_number": "Tafadhali weka namba kamili.",
        "err_min": "Tafadhali weka namba isiyopungua {min}.",
        "err_max": "Tafadhali weka namba isiyozidi {max}.",
        "err_phone": "Tafadhali weka namba sahihi ya simu.",
        "err_date": "Tafadhali weka tarehe kama {format}.",
        "err_future": "Tarehe hiyo bado haijafika.",
        "err_pattern": "Jibu hilo si sahihi.",
    },
    "pt": {
        "more": "Mais",
        "back": "Voltar",
        "continue": "Continuar",
        "start_over": "Recomeçar",
        "resume": "Tem um pedido por concluir.",
        "invalid_option": "Escolha errada.",
        "too_many_attempts": "Demasiadas respostas erradas. Ligue novamente.",
        "expired": "A sua sessão expirou. Ligue novamente.",
        "ended": "Esta sessão terminou. Ligue novamente.",
        "apology": "Desculpe, ocorreu um erro. Tente mais tarde.",
        "unavailable": "Este serviço não está disponível agora. Tente mais tarde.",
        "handoff": "Obrigado. O seu pedido foi recebido.",
        "already_queued": "O seu pedido já está na fila. Um agente vai ligar-lhe.",
        "limit_reached": "Atingiu o limite de pedidos. Tente mais tarde.",
        "reply_offer": "Tem uma resposta de {organisation}.",
        "reply_offer_plain": "Tem uma resposta.",
        "read": "Ler",
        "menu": "Menu",
        "end": "Terminar",
        "next_reply": "Resposta seguinte",
        "pin_prompt": "Introduza o seu PIN.",
        "pin_wrong": "PIN errado.",
        "pin_locked": "Demasiados PIN errados. Tente daqui a uma hora.",
        "goodbye": "Adeus.",
        "err_required": "Escreva uma resposta.",
        "err_too_short": "Escreva pelo menos {min} caracteres.",
        "err_too_long": "Escreva até {max} caracteres.",
        "err_number": "Escreva um valor numérico.",
        "err_whole_number": "Escreva um valor inteiro, sem decimais.",
        "err_min": "Escreva um valor de {min} ou mais.",
        "err_max": "Escreva um valor de {max} ou menos.",
        "err_phone": "Escreva um telefone correto.",
        "err_date": "Escreva a data assim: {format}.",
        "err_future": "Essa data é no futuro.",
        "err_pattern": "Essa resposta é incorreta.",
    },
    "es": {
        "more": "Siguiente",
        "back": "Volver",
        "continue": "Continuar",
        "start_over": "Empezar de nuevo",
        "resume": "Tiene una solicitud sin terminar.",
        "invalid_option": "Respuesta incorrecta.",
        "too_many_attempts": "Demasiadas respuestas incorrectas. Vuelva a llamar.",
        "expired": "Su sesión ha caducado. Vuelva a llamar.",
        "ended": "Esta sesión ha terminado. Vuelva a llamar.",
        "apology": "Lo sentimos, hubo un error. Inténtelo más tarde.",
        "unavailable": "Este servicio no está disponible ahora. Inténtelo más tarde.",
        "handoff": "Gracias. Hemos recibido su solicitud.",
        "already_queued": "Su solicitud ya está en espera. Un agente le llamará.",
        "limit_reached": "Ha alcanzado el límite de solicitudes. Inténtelo más tarde.",
        "reply_offer": "Tiene una respuesta de {organisation}.",
        "reply_offer_plain": "Tiene una respuesta.",
        "read": "Leer",
        "menu": "Menu",
        "end": "Terminar",
        "next_reply": "Siguiente respuesta",
        "pin_prompt": "Escriba su PIN.",
        "pin_wrong": "PIN incorrecto.",
        "pin_locked": "Demasiados PIN incorrectos. Intente en una hora.",
        "goodbye": "Adiós.",
        "err_required": "Escriba una respuesta.",
        "err_too_short": "Escriba al menos {min} caracteres.",
        "err_too_long": "Escriba hasta {max} caracteres.",
        "err_number": "Escriba un valor numérico.",
        "err_whole_number": "Escriba un valor entero, sin decimales.",
        "err_min": "Escriba un valor igual o mayor que {min}.",
        "err_max": "Escriba un valor igual o menor que {max}.",
        "err_phone": "Escriba un teléfono correcto.",
        "err_date": "Escriba la fecha como {format}.",
        "err_future": "Esa fecha es futura.",
        "err_pattern": "Esa respuesta es incorrecta.",
    },
    "bn": {
        "more": "আরও",
        "back": "পিছনে",
        "continue": "চালিয়ে যান",
        "start_over": "আবার শুরু করুন",
        "resume": "আপনার একটি অনুরোধ অসম্পূর্ণ।",
        "invalid_option": "ভুল বিকল্প।",
        "too_many_attempts": "অনেকবার ভুল উত্তর। আবার ডায়াল করুন।",
        "expired": "আপনার সেশনের সময় শেষ। আবার ডায়াল করুন।",
        "ended": "এই সেশন শেষ হয়েছে। আবার ডায়াল করুন।",
        "apology": "দুঃখিত, একটি সমস্যা হয়েছে। পরে আবার চেষ্টা করুন।",
        "unavailable": "এই সেবা এখন পাওয়া যাচ্ছে না। পরে চেষ্টা করুন।",
        "handoff": "ধন্যবাদ। আপনার অনুরোধ গ্রহণ করা হয়েছে।",
        "already_queued": "আপনার অনুরোধ আগেই জমা আছে। একজন কর্মী আপনাকে কল করবেন।",
        "limit_reached": "আপনি অনুরোধের সীমায় পৌঁছেছেন। পরে চেষ্টা করুন।",
        "reply_offer": "{organisation} থেকে উত্তর এসেছে।",
        "reply_offer_plain": "আপনার একটি উত্তর এসেছে।",
        "read": "পড়ুন",
        "menu": "মেনু",
        "end": "শেষ",
        "next_reply": "পরের উত্তর",
        "pin_prompt": "আপনার পিন লিখুন।",
        "pin_wrong": "ভুল পিন।",
        "pin_locked": "অনেকবার ভুল পিন। এক ঘণ্টা পরে চেষ্টা করুন।",
        "goodbye": "বিদায়।",
        "err_required": "একটি উত্তর লিখুন।",
        "err_too_short": "কমপক্ষে {min}টি অক্ষর লিখুন।",
        "err_too_long": "সর্বোচ্চ {max}টি অক্ষর লিখুন।",
        "err_number": "একটি সংখ্যা লিখুন।",
        "err_whole_number": "একটি পূর্ণসংখ্যা লিখুন।",
        "err_min": "কমপক্ষে {min} লিখুন।",
        "err_max": "সর্বোচ্চ {max} লিখুন।",
        "err_phone": "একটি সঠিক ফোন নম্বর লিখুন।",
        "err_date": "তারিখটি {format} আকারে লিখুন।",
        "err_future": "এই তারিখটি ভবিষ্যতের।",
        "err_pattern": "এই উত্তরটি সঠিক নয়।",
    },
}
# "handoff" is the default thank-you text when a hand-off node has none of its own.
MESSAGE_NAMES = tuple(DEFAULT_MESSAGES["en"])
# How err_date names a date format in each language; a language without a row shows the
# format as written (DD/MM/YYYY).
DATE_FORMAT_HINTS = {
    "en": {"DD/MM/YYYY": "DD/MM/YYYY", "MM/DD/YYYY": "MM/DD/YYYY", "YYYY-MM-DD": "YYYY-MM-DD"},
    "fr": {"DD/MM/YYYY": "JJ/MM/AAAA", "MM/DD/YYYY": "MM/JJ/AAAA", "YYYY-MM-DD": "AAAA-MM-JJ"},
    "pt": {"DD/MM/YYYY": "DD/MM/AAAA", "MM/DD/YYYY": "MM/DD/AAAA", "YYYY-MM-DD": "AAAA-MM-DD"},
    "es": {"DD/MM/YYYY": "DD/MM/AAAA", "MM/DD/YYYY": "MM/DD/AAAA", "YYYY-MM-DD": "AAAA-MM-DD"},
    "sw": {
        "DD/MM/YYYY": "siku/mwezi/mwaka",
        "MM/DD/YYYY": "mwezi/siku/mwaka",
        "YYYY-MM-DD": "mwaka-mwezi-siku",
    },
    "ar": {"DD/MM/YYYY": "يوم/شهر/سنة", "MM/DD/YYYY": "شهر/يوم/سنة", "YYYY-MM-DD": "سنة-شهر-يوم"},
    "bn": {"DD/MM/YYYY": "দিন/মাস/বছর", "MM/DD/YYYY": "মাস/দিন/বছর", "YYYY-MM-DD": "বছর-মাস-দিন"},
}


def _lookup(table: Mapping[str, str] | None, name: str) -> str | None:
    """A table's text for `name`, or None when it has none (a blank text counts as none)."""
    text = table.get(name) if table else None
    return text if text and text.strip() else None


def system_message(
    overrides: Mapping[str, Mapping[str, str]],
    lang: str,
    name: str,
    fallback_lang: str = "en",
) -> str:
    """The text of a system string, per message: the menu's text in `lang`, the built-in one,
    then the same two in the menu's default language (`fallback_lang`), then in English."""
    for code in dict.fromkeys((lang, fallback_lang, "en")):
        for table in (overrides.get(code), DEFAULT_MESSAGES.get(code)):
            text = _lookup(table, name)
            if text is not None:
                return text
    return DEFAULT_MESSAGES["en"][name]


def has_translation(overrides: Mapping[str, Mapping[str, str]], lang: str, name: str) -> bool:
    return (
        _lookup(overrides.get(lang), name) is not None
        or _lookup(DEFAULT_MESSAGES.get(lang), name) is not None
    )


def missing_messages(overrides: Mapping[str, Mapping[str, str]], lang: str) -> tuple[str, ...]:
    """The system strings `lang` has no text for (neither the menu's nor a built-in one)."""
    return tuple(name for name in MESSAGE_NAMES if not has_translation(overrides, lang, name))


_PLACEHOLDER = re.compile(r"\{([A-Za-z_]\w*)\}")


def placeholders(name: str) -> frozenset[str]:
    """What a system string can show, such as {min} in err_min."""
    return frozenset(_PLACEHOLDER.findall(DEFAULT_MESSAGES["en"].get(name, "")))


def used_placeholders(text: str) -> frozenset[str]:
    return frozenset(_PLACEHOLDER.findall(text))


def fill(template: str, values: Mapping[str, str]) -> str:
    """The template with its known {placeholders} replaced. Not str.format: a coordinator's
    text may hold other braces ("e.g. {42}", a lone "{"), which stay as written."""
    return _PLACEHOLDER.sub(lambda m: values.get(m.group(1), m.group(0)), template)
