from django.apps import AppConfig


class ImportsConfig(AppConfig):
    name = "imports"
    verbose_name = "Import SIECLE"

    def ready(self) -> None:
        from jobs.services import job_files_folder_register

        from .uploads import IMPORTS_FOLDER

        job_files_folder_register(IMPORTS_FOLDER)
