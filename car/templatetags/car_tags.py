"""The mass-creation list's rows (C2), built in Python: thousands of lines must render in a blink."""

from django import template
from django.utils.html import format_html
from django.utils.safestring import mark_safe

register = template.Library()


def _day(value) -> str:
    return value.strftime("%d/%m/%Y") if value else ""


@register.simple_tag
def mass_create_row(row, shows_all: bool) -> str:
    """One line of the mass-creation list (C2). Built here rather than in template tags: the
    list holds every pair of the school (thousands of lines) and must render in a blink."""
    who = f"{row.guardian_name}, responsable de {row.student_name}"
    cells = [
        format_html('<td><span class="ts-student">{} ({})</span></td>', row.student_name, row.division),
        format_html(
            '<td class="ts-person">{}</td><td class="text-nowrap">{}</td><td class="ts-address">{}</td>',
            row.guardian_name,
            row.rank_label,
            row.address,
        ),
        "<td>Oui</td>" if row.refused else "<td>--</td>",
    ]
    if shows_all:
        cells.append(
            format_html(
                '<td>{}</td><td class="text-nowrap">{}</td><td class="text-nowrap">{}</td>',
                "Oui" if row.code_id else "Non",
                _day(row.notified_at),
                _day(row.continuity_at),
            )
        )
    if row.can_create:
        box = format_html(
            '<td><input type="checkbox" class="form-check-input" name="couples" value="{}" aria-label="{}" checked></td>',
            row.pk,
            f"Créer un code pour {who}",
        )
    else:
        # Disabled, and saying why in words next to the box (not only by its colour).
        reason = "accès refusé" if row.refused else "a déjà un code valide"
        box = format_html(
            '<td class="ts-box"><input type="checkbox" class="form-check-input" name="couples" value="{}"'
            ' aria-label="{}" aria-describedby="pourquoi-{}" title="{}" disabled>'
            ' <span class="ts-why" id="pourquoi-{}">{}</span></td>',
            row.pk,
            f"Pas de nouveau code pour {who}",
            row.pk,
            f"Pas de nouveau code : {reason}",
            row.pk,
            reason.capitalize(),
        )
    cells.append(box)
    if shows_all:
        if row.can_withdraw:
            cells.append(
                format_html(
                    '<td><input type="checkbox" class="form-check-input" name="retraits" value="{}" aria-label="{}"></td>',
                    row.pk,
                    f"Retirer l'accès de {who}",
                )
            )
        else:
            cells.append("<td></td>")
    opening = '<tr class="ts-continuity">' if row.continuity_at else "<tr>"
    return mark_safe(opening + "".join(cells) + "</tr>")  # noqa: S308 — every value went through format_html
