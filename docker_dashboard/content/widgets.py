"""Form widgets shared by the plugin's forms and workflows."""
from django.utils.safestring import mark_safe
from horizon import forms


class ThemableSelect(forms.ThemableSelectWidget):
    """Horizon's themable select, with each option label escaped once.

    Horizon's widget escapes a label and hands it to its template as a plain string, which escapes it
    again: `"` showed as `&quot;` on screen. The label is escaped here, so it is marked safe for the template.
    """

    def transform_option_label(self, option_label):
        return mark_safe(super().transform_option_label(option_label))  # noqa: S308 - escaped just above
